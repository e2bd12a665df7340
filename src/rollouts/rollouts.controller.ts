import { Controller, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { Audit, AuditContext } from '../common/audit-context';
import { ApiIdempotencyKey } from '../common/idempotency.decorator';
import { DeploymentIdParam } from '../common/id-param.dto';
import { DriverRunsService } from '../drivers/driver-runs.service';
import { RolloutResponse } from './rollout.response';
import { RolloutsService } from './rollouts.service';

const IF_MATCH = { name: 'If-Match', required: false, example: '"3"' };

@ApiTags('rollouts')
@Controller('deployments/:id/rollout')
export class RolloutsController {
  constructor(
    private readonly rollouts: RolloutsService,
    private readonly drivers: DriverRunsService,
  ) {}

  @Post('pause')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Pause the rollout',
    description:
      'Admissions stop at once; nodes already PROVISIONING or CONFIGURING finish. 409 unless the rollout is running (or the deployment has no strategy).',
  })
  @ApiIdempotencyKey()
  @ApiHeader(IF_MATCH)
  @ApiResponse({ status: 202, type: RolloutResponse })
  @ApiStandardErrors('404', '409', '412')
  pause(
    @Param() { id }: DeploymentIdParam,
    @Headers('if-match') ifMatch: string | undefined,
    @Audit() audit: AuditContext,
  ): Promise<RolloutResponse> {
    return this.rollouts.act(id, 'pause', ifMatch, audit);
  }

  @Post('resume')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Resume a paused or halted rollout',
    description:
      "From paused: admissions go on. From halted: the operator's override; the failure budget and gate of the waves so far are not checked again, and the next wave starts. 409 from any other status.",
  })
  @ApiIdempotencyKey()
  @ApiHeader(IF_MATCH)
  @ApiResponse({ status: 202, type: RolloutResponse })
  @ApiStandardErrors('404', '409', '412')
  resume(
    @Param() { id }: DeploymentIdParam,
    @Headers('if-match') ifMatch: string | undefined,
    @Audit() audit: AuditContext,
  ): Promise<RolloutResponse> {
    return this.rollouts.act(id, 'resume', ifMatch, audit);
  }

  @Post('abort')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Abort the rollout',
    description:
      'Nodes still PENDING are never admitted; nodes in flight finish. 409 when the rollout is completed or aborted already.',
  })
  @ApiIdempotencyKey()
  @ApiHeader(IF_MATCH)
  @ApiQuery({
    name: 'cancel_runs',
    required: false,
    enum: ['true', 'false'],
    description:
      'true also cancels the driver runs in flight (SIGTERM to ansible, cancel_url for http): their nodes end FAILED `cancelled`',
  })
  @ApiResponse({ status: 202, type: RolloutResponse })
  @ApiStandardErrors('404', '409', '412')
  async abort(
    @Param() { id }: DeploymentIdParam,
    @Headers('if-match') ifMatch: string | undefined,
    @Audit() audit: AuditContext,
    @Query('cancel_runs') cancelRuns?: string,
  ): Promise<RolloutResponse> {
    const view = await this.rollouts.act(id, 'abort', ifMatch, audit);
    if (cancelRuns === 'true') await this.drivers.cancelRuns(id);
    return view;
  }
}
