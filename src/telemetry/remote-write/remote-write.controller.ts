import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  Param,
  PayloadTooLargeException,
  Post,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrorDto } from '../../common/api-error';
import { ApiStandardErrors } from '../../common/api-responses';
import { DeploymentIdParam } from '../../common/id-param.dto';
import { RemoteWriteDecodeError, RemoteWriteTooLargeError } from './remote-write-decode';
import { RemoteWriteService } from './remote-write.service';
import { REMOTE_WRITE_CONTENT_TYPE } from './remote-write-body';

/** Counts of a request, on the 204's headers (a 204 has no body). */
const RESULT_HEADERS = {
  stored: 'x-netorch-samples-stored',
  unmatched_node: 'x-netorch-samples-unmatched',
  ignored_series: 'x-netorch-samples-ignored',
  stale: 'x-netorch-samples-stale',
  invalid: 'x-netorch-samples-invalid',
  out_of_window: 'x-netorch-samples-out-of-window',
} as const;

@ApiTags('telemetry')
@Controller('deployments/:id/telemetry')
export class RemoteWriteController {
  constructor(private readonly remoteWrite: RemoteWriteService) {}

  @Post('remote-write')
  @HttpCode(204)
  @ApiConsumes(REMOTE_WRITE_CONTENT_TYPE)
  @ApiOperation({
    summary: 'Prometheus remote write 1.0 receiver',
    description:
      'A snappy-compressed (block format) protobuf WriteRequest with Content-Encoding: snappy and X-Prometheus-Remote-Write-Version: 0.1.0, at most 8 MiB, as Prometheus, Grafana Agent or vmagent send it; a push or rw key. Series named by the mapping (netorch:latency_ms, netorch:throughput_gbps, netorch:error_rate by default) are stored for the node their node label names (label `node`, matched to hostnames by default; a :port suffix is dropped); samples of one node at one instant share a row. Other series, stale markers, out-of-range values and nodes outside the deployment are counted (the X-Netorch-Samples-* headers of the 204), not stored. 204 on success, 400 for a body that does not decode (the sender drops it), 415 for another encoding or remote write 2.0, 5xx only for a fault of netorch (the sender retries).',
  })
  @ApiResponse({ status: 204, description: 'Decoded; the mapped samples are stored' })
  @ApiResponse({
    status: 415,
    type: ApiErrorDto,
    description: 'Another Content-Encoding or Content-Type, or remote write 2.0',
  })
  @ApiStandardErrors('400', '404', '413')
  async write(
    @Param() { id }: DeploymentIdParam,
    @Body() body: unknown,
    @Headers('content-encoding') encoding: string | undefined,
    @Headers('x-prometheus-remote-write-version') version: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (!/^snappy$/i.test((encoding ?? '').trim())) {
      throw new UnsupportedMediaTypeException(
        'Remote write bodies must be sent with Content-Encoding: snappy',
      );
    }
    if (version !== undefined && !/^0\.1(\.|$)/.test(version.trim())) {
      throw new UnsupportedMediaTypeException(
        `X-Prometheus-Remote-Write-Version ${version} is not supported; send remote write 1.0 (0.1.0)`,
      );
    }
    if (!(body instanceof Uint8Array)) {
      throw new BadRequestException('The body must be a snappy-compressed protobuf WriteRequest');
    }
    try {
      const result = await this.remoteWrite.ingest(id, body);
      for (const [key, header] of Object.entries(RESULT_HEADERS)) {
        void reply.header(header, String(result[key as keyof typeof RESULT_HEADERS]));
      }
    } catch (error) {
      if (error instanceof RemoteWriteDecodeError) throw new BadRequestException(error.message);
      if (error instanceof RemoteWriteTooLargeError) {
        throw new PayloadTooLargeException(error.message);
      }
      throw error;
    }
  }
}
