import { ApiProperty } from '@nestjs/swagger';
import { NODE_ROLES, NodeRole } from '../../domain/node-role';

const num = (description: string, example: number | null = null) =>
  ApiProperty({ type: Number, nullable: true, description, example });

class NodeRef {
  @ApiProperty({ example: 17 }) node_id: number;
  @ApiProperty({ example: 'node-017' }) node_identifier: string;
  @ApiProperty({ enum: NODE_ROLES }) role: NodeRole;
}

/** The window a response covers. */
class WindowRef {
  @ApiProperty({ example: 1 }) deployment_id: number;
  @ApiProperty({ example: '2026-11-27T09:05:23.500Z' }) window_start: string;
  @ApiProperty({ example: '2026-11-27T10:05:23.500Z' }) window_end: string;
  @ApiProperty({ example: 120, description: 'Nodes with samples in the window (before paging)' })
  total: number;
}

export class TrendResponse extends NodeRef {
  @ApiProperty({ example: 720, description: 'Samples with a value of the metric in the window' })
  samples: number;
  @num('Least-squares slope per minute (regr_slope); null without spread in time', 0.12)
  slope_per_minute: number | null;
  @num('The fitted value now (regr_intercept with time in minutes from now)', 41.7)
  fitted_now: number | null;
  @num('The fitted value at now + horizon_minutes', 48.9)
  predicted: number | null;
  @num('regr_r2 of the fit', 0.93)
  r2: number | null;
  @num('The slope over its standard error; null for fewer than 3 samples or an exact fit', 31.4)
  t_stat: number | null;
  @ApiProperty({
    example: true,
    description: '|t| >= 2 (or an exact fit with a slope) with at least 10 samples',
  })
  significant: boolean;
  @num(
    'Minutes until the fitted line reaches threshold (0: on it now); null without threshold, for a flat line off it, or a line that crossed it in the past',
    69.8,
  )
  time_to_threshold_minutes: number | null;
}

export class TrendsResponse extends WindowRef {
  @ApiProperty({ example: 'latency_ms' }) metric: string;
  @ApiProperty({ example: 60 }) horizon_minutes: number;
  @num('As asked', 50) threshold: number | null;
  @ApiProperty({
    type: [TrendResponse],
    description: 'By time_to_threshold_minutes (nulls last), then |t_stat| descending',
  })
  trends: TrendResponse[];
}

export class AnomalyResponse extends NodeRef {
  @ApiProperty({ example: 71.2, description: "The node's mean over the window" }) value: number;
  @ApiProperty({ example: 180 }) samples: number;
  @num('0.6745·(value − median)/MAD; null where the past days do not vary', 5.1)
  z: number | null;
  @ApiProperty({ example: true, description: '|z| >= threshold' }) anomalous: boolean;
  @ApiProperty({ example: 42.1, description: 'Median of the daily means' }) baseline_median: number;
  @ApiProperty({ example: 3.8, description: 'Median absolute deviation of the daily means' })
  baseline_mad: number;
  @ApiProperty({ example: 7, description: 'Past days with samples in the same window' })
  baseline_days: number;
  @ApiProperty({ type: [Number], description: 'The daily means, most recent day first' })
  baseline_means: number[];
}

export class AnomaliesResponse extends WindowRef {
  @ApiProperty({ example: 'latency_ms' }) metric: string;
  @ApiProperty({ example: 3 }) threshold: number;
  @ApiProperty({
    example: 4,
    description: 'Nodes with samples now but fewer than 3 past days: not scored',
  })
  nodes_without_history: number;
  @ApiProperty({ type: [AnomalyResponse], description: 'By |z| descending' })
  anomalies: AnomalyResponse[];
}

export class CorrelationResponse extends NodeRef {
  @ApiProperty({ example: 720, description: 'Samples with both metrics' }) samples: number;
  @num("Pearson's r of the two metrics over the node's samples; null where one is constant", 0.87)
  r: number | null;
}

export class CorrelationsResponse extends WindowRef {
  @ApiProperty({ example: 'latency_ms:error_rate' }) pair: string;
  @ApiProperty({ type: [CorrelationResponse], description: 'By r descending, nulls last' })
  correlations: CorrelationResponse[];
}

export class PeerCorrelationResponse extends NodeRef {
  @ApiProperty({ example: 58, description: 'Minutes with samples of both nodes' }) minutes: number;
  @num("Pearson's r of the two nodes' per-minute mean latency", 0.96)
  r: number | null;
}

export class NodeCorrelationsResponse extends NodeRef {
  @ApiProperty({ example: 1 }) deployment_id: number;
  @ApiProperty() window_start: string;
  @ApiProperty() window_end: string;
  @ApiProperty({
    type: [PeerCorrelationResponse],
    description:
      "The node's uplinks (a leaf's spines) or downlinks (a spine's leaves), by r descending",
  })
  peers: PeerCorrelationResponse[];
}
