import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiStandardErrors } from '../common/api-responses';
import { Audit, AuditContext } from '../common/audit-context';
import { ApiIdempotencyKey } from '../common/idempotency.decorator';
import { DeploymentId } from '../common/id-param.dto';
import { DeploymentsService } from './deployments.service';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { DeploymentDetailResponse, DeploymentResponse } from './dto/deployment.response';
import { ListDeploymentsQuery } from './dto/list-deployments.query';
import { RetryDeploymentResponse } from './dto/retry-deployment.response';
import { UpdateDeploymentDto } from './dto/update-deployment.dto';
import { etagOf } from '../domain/etag';

@ApiTags('deployments')
@Controller('deployments')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a deployment',
    description:
      'Creates the deployment and all its nodes (node-001 ..., state PENDING) in one transaction; the workers then roll every node out.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, type: DeploymentResponse })
  @ApiStandardErrors('400', '413')
  async create(
    @Body() dto: CreateDeploymentDto,
    @Audit() audit: AuditContext,
  ): Promise<DeploymentResponse> {
    const deployment = await this.deployments.create(dto, audit);
    return DeploymentResponse.from(deployment);
  }

  @Get()
  @ApiOperation({
    summary: 'List deployments, newest first, each with its node counts, status and rollout',
  })
  @ApiResponse({ status: 200, type: [DeploymentDetailResponse] })
  @ApiStandardErrors()
  list(@Query() query: ListDeploymentsQuery): Promise<DeploymentDetailResponse[]> {
    return this.deployments.list(query.skip, query.limit);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a deployment with its node counts and rollout progress',
    description: 'The ETag header is what PATCH and DELETE accept in If-Match.',
  })
  @ApiResponse({
    status: 200,
    type: DeploymentDetailResponse,
    headers: { ETag: { description: 'Version of the deployment', example: '"3"' } },
  })
  @ApiStandardErrors('404')
  get(
    @DeploymentId() id: number,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentDetailResponse> {
    // The hottest route: a promise chain rather than an async function, one promise less per
    // request.
    return this.deployments.detailAndVersion(id).then(({ detail, version }) => {
      void reply.header('etag', etagOf(version));
      return detail;
    });
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename or re-describe a deployment',
    description:
      'Send `name` and/or `description` (null clears it). With If-Match the change applies only if the deployment is still at that ETag, else 412.',
  })
  @ApiHeader({ name: 'If-Match', required: false, example: '"3"' })
  @ApiResponse({
    status: 200,
    type: DeploymentResponse,
    headers: { ETag: { description: 'The new version', example: '"4"' } },
  })
  @ApiStandardErrors('400', '404', '412')
  async update(
    @DeploymentId() id: number,
    @Body() dto: UpdateDeploymentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Audit() audit: AuditContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentResponse> {
    const deployment = await this.deployments.update(id, dto, ifMatch, audit);
    void reply.header('etag', etagOf(deployment.version));
    return DeploymentResponse.from(deployment);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Retry every FAILED node',
    description:
      'Marks every FAILED node for retry; the workers move each back to PROVISIONING through the normal schedule. 409 when there is no FAILED node left to retry.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 202, type: RetryDeploymentResponse })
  @ApiStandardErrors('404', '409')
  async retry(
    @DeploymentId() id: number,
    @Audit() audit: AuditContext,
  ): Promise<RetryDeploymentResponse> {
    return this.deployments.retryFailed(id, audit);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a deployment',
    description:
      'Stops its rollout and telemetry at once and removes its nodes and samples; safe in the middle of a rollout. Its audit events stay, ending with a DEPLOYMENT_DELETED event (actor, request id), and are read at `GET /events?deployment_id={id}` until EVENT_RETENTION_DAYS. A second DELETE is 404. Optional If-Match with the ETag from GET.',
  })
  @ApiHeader({ name: 'If-Match', required: false, example: '"3"' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404', '412')
  async delete(
    @DeploymentId() id: number,
    @Headers('if-match') ifMatch: string | undefined,
    @Audit() audit: AuditContext,
  ): Promise<void> {
    await this.deployments.delete(id, ifMatch, audit);
  }
}
