import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { ApiIdempotencyKey } from '../common/idempotency.decorator';
import { CredentialsService } from './credentials.service';
import {
  CreateCredentialDto,
  CredentialIdParam,
  CredentialResponse,
  UpdateCredentialDto,
} from './dto/credential.dto';

@ApiTags('credentials')
@Controller('credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Store a credential (ssh, snmp-v2c, snmp-v3, http-secret, bearer)',
    description:
      'Secret fields are write-only: stored encrypted (AES-256-GCM under SECRETS_KEY) and answered as has_<field>. A field the kind does not take is 422; a taken name 409; beyond MAX_CREDENTIALS 422.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, type: CredentialResponse })
  @ApiStandardErrors('400', '409')
  create(@Body() dto: CreateCredentialDto): Promise<CredentialResponse> {
    return this.credentials.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List credentials (never their secrets)' })
  @ApiResponse({ status: 200, type: [CredentialResponse] })
  @ApiStandardErrors()
  list(): Promise<CredentialResponse[]> {
    return this.credentials.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One credential (never its secrets) and the deployments using it' })
  @ApiResponse({ status: 200, type: CredentialResponse })
  @ApiStandardErrors('404')
  get(@Param() { id }: CredentialIdParam): Promise<CredentialResponse> {
    return this.credentials.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a credential: name, plain fields, or replace secrets (null removes a field)',
    description:
      'The kind cannot change. Deployments using it take the new values at their next use.',
  })
  @ApiResponse({ status: 200, type: CredentialResponse })
  @ApiStandardErrors('400', '404', '409')
  update(
    @Param() { id }: CredentialIdParam,
    @Body() dto: UpdateCredentialDto,
  ): Promise<CredentialResponse> {
    return this.credentials.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a credential no deployment uses (else 409 naming them)' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404', '409')
  async delete(@Param() { id }: CredentialIdParam): Promise<void> {
    await this.credentials.delete(id);
  }
}
