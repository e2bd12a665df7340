import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { NodeRole } from '../../domain/node-role';

export class MetricVerdictResponse {
  @ApiProperty({
    example: 71.3,
    nullable: true,
    type: Number,
    description: "The node's mean over the window; null when it has no samples of the metric",
  })
  value: number | null;

  @ApiProperty({
    example: 18.2,
    nullable: true,
    type: Number,
    description:
      'The baseline centre: the mean of all samples (zscore) or the median of node means (mad); null when the peer group has no samples of the metric',
  })
  baseline: number | null;

  @ApiProperty({
    example: 3.4,
    nullable: true,
    type: Number,
    description:
      'z in the bad direction (latency and error rate up, throughput down); 0 where the baseline spread counts as zero; null when the node has no samples of the metric (it is not scored on it)',
  })
  z: number | null;

  @ApiProperty({ example: true, description: 'z >= threshold (never when z is null)' })
  triggered: boolean;

  @ApiProperty({
    example: 120,
    description: "The node's samples of this metric in the window (a sample may lack a metric)",
  })
  samples: number;
}

export class MetricVerdictsResponse {
  @ApiProperty({ type: MetricVerdictResponse }) latency_ms: MetricVerdictResponse;
  @ApiProperty({ type: MetricVerdictResponse }) throughput_gbps: MetricVerdictResponse;
  @ApiProperty({ type: MetricVerdictResponse }) error_rate: MetricVerdictResponse;
}

export class BottleneckResponse {
  @ApiProperty({ example: 17, description: "The node's integer id" })
  node_id: number;

  @ApiProperty({ example: 'node-008' })
  node_identifier: string;

  @ApiProperty({ example: 1 })
  deployment_id: number;

  @ApiProperty({
    example: 71.3,
    nullable: true,
    type: Number,
    description: 'Mean over the window; null when the node has no samples of it',
  })
  latency_ms: number | null;

  @ApiProperty({
    example: 3.1,
    nullable: true,
    type: Number,
    description: 'Mean over the window; null when the node has no samples of it',
  })
  throughput_gbps: number | null;

  @ApiProperty({
    example: 2.4,
    nullable: true,
    type: Number,
    description: 'Mean over the window; null when the node has no samples of it',
  })
  error_rate: number | null;

  @ApiProperty({
    example: 2.87,
    description:
      '0.4·max(0,z_lat) + 0.4·max(0,z_thr) + 0.2·max(0,z_err), over the metrics the node has samples of',
  })
  deviation_score: number;

  @ApiProperty({
    example: '2026-11-27T10:09:55.000Z',
    description: "The node's latest sample in the window",
  })
  timestamp: string;

  @ApiProperty({
    example: 120,
    description:
      "The node's samples in the window (each carries at least one metric; metrics.*.samples counts each)",
  })
  samples: number;

  @ApiProperty({
    type: MetricVerdictsResponse,
    description:
      "Per metric: value, baseline (its peer group's centre), z and whether it triggered",
  })
  metrics: MetricVerdictsResponse;

  @ApiProperty({ enum: NodeRole, example: NodeRole.LEAF })
  role: NodeRole;

  @ApiProperty({
    type: [Number],
    example: [3],
    description:
      "Leaves and border leaves: the flagged spines that explain this node: both have latency triggered, the node has an uplink to the spine, and the spine's latency excess over its peer-group centre divided by the node's uplink count is at least the node's own latency excess. Empty otherwise",
  })
  likely_caused_by: number[];

  @ApiProperty({
    type: [Number],
    nullable: true,
    example: [0.94],
    description:
      "Evidence beside the excess rule, one per likely_caused_by spine in its order: Pearson's r of this node's per-minute mean latency and the spine's over the window (null where either is constant or they share fewer than 2 minutes)",
  })
  likely_cause_correlations: (number | null)[];

  @ApiProperty({
    example: 0,
    description:
      'Spines: how many flagged leaves and border leaves list this spine in likely_caused_by',
  })
  explains: number;
}

export class BaselineMetricResponse {
  @ApiProperty({
    example: 18.2,
    nullable: true,
    type: Number,
    description:
      'Mean of all samples (zscore) or median of node means (mad), over those that carry the metric; null when none does',
  })
  centre: number | null;

  @ApiProperty({
    example: 20.1,
    nullable: true,
    type: Number,
    description:
      'The spread named by spread_kind; null when there is none (fewer than two samples)',
  })
  spread: number | null;

  @ApiProperty({
    enum: ['stddev', 'mad', 'mean_absolute_deviation'],
    example: 'stddev',
    description:
      'stddev: sample standard deviation of all samples (zscore); mad: median absolute deviation of node means; mean_absolute_deviation: used by mad where MAD is 0',
  })
  spread_kind: 'stddev' | 'mad' | 'mean_absolute_deviation';

  @ApiProperty({
    example: 20.1,
    nullable: true,
    type: Number,
    description:
      'z = (value − centre)/scale in the bad direction: the stddev, MAD/0.6745 or 1.253314·mean absolute deviation. Null when the spread is at or below 1e-9·max(1, |centre|): then every z is 0',
  })
  scale: number | null;

  @ApiProperty({
    example: 3360,
    description: 'Samples of this metric behind the baseline (a sample may lack a metric)',
  })
  samples: number;
}

export class BaselineResponse {
  @ApiProperty({ type: BaselineMetricResponse }) latency_ms: BaselineMetricResponse;
  @ApiProperty({ type: BaselineMetricResponse }) throughput_gbps: BaselineMetricResponse;
  @ApiProperty({ type: BaselineMetricResponse }) error_rate: BaselineMetricResponse;
}

export class PeerBaselineResponse extends BaselineResponse {
  @ApiProperty({ example: 28, description: 'Analysed nodes of the peer group' })
  nodes_analyzed: number;

  @ApiProperty({ example: 3360, description: 'Their samples in the window' })
  samples_analyzed: number;
}

export class BottlenecksResponse {
  @ApiProperty({ example: 1 })
  deployment_id: number;

  @ApiProperty({ example: '2026-11-27T10:10:00.000Z' })
  detected_at: string;

  @ApiProperty({ type: [BottleneckResponse], description: 'Worst first' })
  bottlenecks: BottleneckResponse[];

  @ApiProperty({ example: 1 })
  total_bottlenecks: number;

  @ApiProperty({ example: 10 })
  analysis_window_minutes: number;

  @ApiProperty({ example: 2 })
  threshold: number;

  @ApiProperty({ enum: ['zscore', 'mad'], example: 'zscore' })
  method: string;

  @ApiProperty({ example: 1 })
  min_samples: number;

  @ApiProperty({ example: '2026-11-27T10:00:00.000Z', description: 'Samples at or after this' })
  window_start: string;

  @ApiProperty({
    example: '2026-11-27T10:10:00.000Z',
    description: 'Samples at or before this (detected_at)',
  })
  window_end: string;

  @ApiProperty({
    example: 20,
    description: 'Nodes with at least min_samples samples in the window',
  })
  nodes_analyzed: number;

  @ApiProperty({
    example: 0,
    description: 'Nodes with samples in the window left out by min_samples',
  })
  nodes_below_min_samples: number;

  @ApiProperty({ example: 2400, description: 'Samples of the analysed nodes in the window' })
  samples_analyzed: number;

  @ApiProperty({
    type: BaselineResponse,
    nullable: true,
    description: 'Null when the window holds no samples',
  })
  baseline: BaselineResponse | null;

  @ApiProperty({ enum: ['role', 'deployment'], example: 'role' })
  peer_group: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(PeerBaselineResponse) },
    example: {
      spine: {
        latency_ms: { centre: 14.1, spread: 2.9, spread_kind: 'stddev', scale: 2.9 },
        throughput_gbps: { centre: 36.3, spread: 1.2, spread_kind: 'stddev', scale: 1.2 },
        error_rate: { centre: 0.25, spread: 0.1, spread_kind: 'stddev', scale: 0.1 },
        nodes_analyzed: 4,
        samples_analyzed: 480,
      },
    },
    description:
      "The baseline of each peer group, with its nodes and samples: by role (spine, border-leaf, leaf; only roles with samples) for peer_group=role, else one named deployment. Empty when the window holds no samples. `baseline` stays the whole deployment's",
  })
  baselines: Record<string, PeerBaselineResponse>;
}
