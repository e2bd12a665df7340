import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  MAX_INTERVAL_SECONDS,
  MIN_INTERVAL_SECONDS,
  PrometheusNodeMatch,
  TELEMETRY_SOURCES,
  TelemetrySourceName,
} from './telemetry-config';

const NODE_MATCHES: PrometheusNodeMatch[] = ['management_address', 'hostname', 'node_id'];
/** Prometheus label and metric names. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class SnmpSourceDto {
  @ApiProperty({ description: 'Id of an snmp-v2c or snmp-v3 credential', example: 3 })
  @IsInt()
  @Min(1)
  credential: number;

  @ApiPropertyOptional({ description: 'UDP port of the agents', default: 161, example: 161 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  @ApiPropertyOptional({
    description:
      'Regular expression on ifName selecting the interfaces summed into a sample; default: every interface that is up and not a software loopback',
    example: '^(Ethernet|swp)',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  interfaces?: string | null;

  @ApiPropertyOptional({ description: 'Wait per request', default: 1000, example: 1000 })
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(60000)
  timeout_ms?: number;

  @ApiPropertyOptional({
    description: 'Tries after the first; a node that never answers gets no sample',
    default: 1,
    example: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  retries?: number;
}

export class PrometheusQueriesDto {
  @ApiPropertyOptional({ example: 'probe_duration_seconds * 1000' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  latency_ms?: string;

  @ApiPropertyOptional({
    example: '8 * (rate(ifHCInOctets[1m]) + rate(ifHCOutOctets[1m])) / 1e9',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  throughput_gbps?: string;

  @ApiPropertyOptional({ example: '100 * rate(ifInErrors[1m]) / rate(ifHCInUcastPkts[1m])' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  error_rate?: string;
}

export class PrometheusSourceDto {
  @ApiProperty({
    description: 'Base URL of the Prometheus server',
    example: 'http://prometheus:9090',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ description: 'Id of a bearer credential', nullable: true, type: Number })
  @IsOptional()
  @IsInt()
  @Min(1)
  credential?: number | null;

  @ApiProperty({
    type: PrometheusQueriesDto,
    description: 'One instant query per metric, at least one',
  })
  @IsObject()
  @ValidateNested()
  @Type(() => PrometheusQueriesDto)
  queries: PrometheusQueriesDto;

  @ApiPropertyOptional({ default: 'instance', description: 'The label that names the node' })
  @IsOptional()
  @IsString()
  @Matches(LABEL_NAME, { message: 'node_label must be a Prometheus label name' })
  node_label?: string;

  @ApiPropertyOptional({ enum: NODE_MATCHES, default: 'management_address' })
  @IsOptional()
  @IsIn(NODE_MATCHES)
  node_match?: PrometheusNodeMatch;
}

export class RemoteWriteMetricsDto {
  @ApiPropertyOptional({ default: 'netorch:latency_ms' })
  @IsOptional()
  @IsString()
  @Matches(METRIC_NAME, { message: 'metric names must be Prometheus metric names' })
  latency_ms?: string;

  @ApiPropertyOptional({ default: 'netorch:throughput_gbps' })
  @IsOptional()
  @IsString()
  @Matches(METRIC_NAME, { message: 'metric names must be Prometheus metric names' })
  throughput_gbps?: string;

  @ApiPropertyOptional({ default: 'netorch:error_rate' })
  @IsOptional()
  @IsString()
  @Matches(METRIC_NAME, { message: 'metric names must be Prometheus metric names' })
  error_rate?: string;
}

export class RemoteWriteDto {
  @ApiPropertyOptional({ default: 'node', description: 'The label that names the node' })
  @IsOptional()
  @IsString()
  @Matches(LABEL_NAME, { message: 'node_label must be a Prometheus label name' })
  node_label?: string;

  @ApiPropertyOptional({ enum: NODE_MATCHES, default: 'hostname' })
  @IsOptional()
  @IsIn(NODE_MATCHES)
  node_match?: PrometheusNodeMatch;

  @ApiPropertyOptional({ type: RemoteWriteMetricsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RemoteWriteMetricsDto)
  metrics?: RemoteWriteMetricsDto;
}

/** `telemetry` of a create or a PATCH: a PATCH replaces the whole block. */
export class TelemetryDto {
  @ApiPropertyOptional({
    enum: TELEMETRY_SOURCES,
    default: TelemetrySourceName.SIMULATOR,
    description:
      'simulator: generated samples; snmp: poll each RUNNING node; prometheus: query a Prometheus server; push: no scheduled collection (pushed and remote-written samples only)',
  })
  @IsOptional()
  @IsIn(TELEMETRY_SOURCES)
  source?: TelemetrySourceName;

  @ApiPropertyOptional({
    description: 'Collection interval (5-3600 s); default TELEMETRY_INTERVAL_MS',
    minimum: MIN_INTERVAL_SECONDS,
    maximum: MAX_INTERVAL_SECONDS,
    example: 10,
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_INTERVAL_SECONDS)
  @Max(MAX_INTERVAL_SECONDS)
  interval_seconds?: number | null;

  @ApiPropertyOptional({ type: SnmpSourceDto, description: 'Required with source snmp' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SnmpSourceDto)
  snmp?: SnmpSourceDto;

  @ApiPropertyOptional({
    type: PrometheusSourceDto,
    description: 'Required with source prometheus',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PrometheusSourceDto)
  prometheus?: PrometheusSourceDto;

  @ApiPropertyOptional({
    type: RemoteWriteDto,
    description: 'How remote-written series map to nodes and metrics',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RemoteWriteDto)
  remote_write?: RemoteWriteDto;
}

/** `telemetry` as GET shows it: the stored block with its defaults filled in. */
export class TelemetryResponse {
  @ApiProperty({ enum: TELEMETRY_SOURCES, example: TelemetrySourceName.SNMP })
  source: TelemetrySourceName;

  @ApiProperty({
    example: 10,
    nullable: true,
    type: Number,
    description: 'Seconds between collections; null: every TELEMETRY_INTERVAL_MS',
  })
  interval_seconds: number | null;

  @ApiPropertyOptional({ type: SnmpSourceDto })
  snmp?: SnmpSourceDto;

  @ApiPropertyOptional({ type: PrometheusSourceDto })
  prometheus?: PrometheusSourceDto;

  @ApiPropertyOptional({ type: RemoteWriteDto })
  remote_write?: RemoteWriteDto;
}
