import { Controller, Delete, Headers, HttpCode, Param } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { RequestId } from '../common/request-id.decorator';
import { DeploymentDeletionService } from './deployment-deletion.service';

/** DELETE lives apart from DeploymentsController: it needs telemetry storage, which depends on deployments. */
@ApiTags('deployments')
@Controller('deployments')
export class DeploymentDeletionController {
  constructor(private readonly deletion: DeploymentDeletionService) {}

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a deployment',
    description:
      'Stops its rollout and telemetry at once and removes its nodes, samples and events; safe in the middle of a rollout. A second DELETE is 404. Optional If-Match with the ETag from GET.',
  })
  @ApiHeader({ name: 'If-Match', required: false, example: '"3"' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404', '412')
  async delete(
    @Param() { id }: DeploymentIdParam,
    @Headers('if-match') ifMatch: string | undefined,
    @RequestId() requestId: string,
  ): Promise<void> {
    await this.deletion.delete(id, ifMatch, requestId);
  }
}
