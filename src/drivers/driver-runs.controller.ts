import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentId } from '../common/id-param.dto';
import { Public } from '../common/public.decorator';
import { ListDeploymentsQuery } from '../deployments/dto/list-deployments.query';
import { DriverResultsDto, DriverResultsResponse } from './dto/driver-results.dto';
import { DriverRunsService } from './driver-runs.service';

@ApiTags('drivers')
@Controller()
export class DriverRunsController {
  constructor(private readonly runs: DriverRunsService) {}

  @Get('deployments/:id/driver-runs')
  @ApiOperation({
    summary: "The deployment's driver runs, newest first",
    description:
      'Each run: driver, phase, status (running, succeeded, failed, partial, timed_out, cancelled), nodes, succeeded, failed, started_at, finished_at, duration_ms and the last 64 KiB of its output (ansible).',
  })
  @ApiStandardErrors('404')
  page(@DeploymentId() id: number, @Query() query: ListDeploymentsQuery) {
    return this.runs.page(id, query.skip, query.limit);
  }

  @Get('driver-runs/:run_id')
  @ApiOperation({ summary: 'One driver run' })
  @ApiStandardErrors('404')
  one(@Param('run_id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) runId: string) {
    return this.runs.one(runId);
  }

  @Post('driver-runs/:run_id/results')
  @Public()
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "An http driver endpoint's results for its run",
    description:
      'Authorization: Bearer <callback_token of the run> (no API key). Partial results are fine; the first result of each node wins, duplicates and results after the deadline are ignored. 401 for a wrong token, 404 for an unknown run, 422 for a node not in the run.',
  })
  @ApiResponse({ status: 202, type: DriverResultsResponse })
  @ApiStandardErrors('404')
  @ApiResponse({ status: 401, description: "The bearer token is not the run's callback token" })
  report(
    @Param('run_id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) runId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() dto: DriverResultsDto,
  ): Promise<DriverResultsResponse> {
    return this.runs.report(runId, authorization, dto.results);
  }
}
