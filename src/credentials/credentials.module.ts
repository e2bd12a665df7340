import { Module } from '@nestjs/common';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';

/** The API side of credentials; the store and CredentialSecrets come from SecretsModule. */
@Module({ controllers: [CredentialsController], providers: [CredentialsService] })
export class CredentialsModule {}
