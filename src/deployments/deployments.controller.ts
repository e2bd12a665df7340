import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { RequestId } from '../common/request-id.decorator';
import { DeploymentLifecycleHooks } from './deployment-lifecycle.hooks';
import { DeploymentsService } from './deployments.service';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { DeploymentDetailResponse, DeploymentResponse } from './dto/deployment.response';
import { ListDeploymentsQuery } from './dto/list-deployments.query';

@ApiTags('deployments')
@Controller('deployments')
export class DeploymentsController {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly hooks: DeploymentLifecycleHooks,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a deployment',
    description:
      'Creates the deployment and all its nodes (node-001 ..., state PENDING) in one transaction; the workers then roll every node out.',
  })
  @ApiResponse({ status: 201, type: DeploymentResponse })
  @ApiStandardErrors('400', '413')
  async create(
    @Body() dto: CreateDeploymentDto,
    @RequestId() requestId: string,
  ): Promise<DeploymentResponse> {
    const deployment = await this.deployments.create(dto, requestId);
    await this.hooks.afterNodesCreated(deployment.id, requestId);
    return DeploymentResponse.from(deployment);
  }

  @Get()
  @ApiOperation({ summary: 'List deployments, newest first' })
  @ApiResponse({ status: 200, type: [DeploymentResponse] })
  @ApiStandardErrors()
  async list(@Query() query: ListDeploymentsQuery): Promise<DeploymentResponse[]> {
    const rows = await this.deployments.list(query.skip, query.limit);
    return rows.map((row) => DeploymentResponse.from(row));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a deployment with its node counts and rollout progress' })
  @ApiResponse({ status: 200, type: DeploymentDetailResponse })
  @ApiStandardErrors('404')
  async get(@Param() { id }: DeploymentIdParam): Promise<DeploymentDetailResponse> {
    return this.deployments.detail(id);
  }
}
