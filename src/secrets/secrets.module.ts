import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CredentialSecrets } from '../credentials/credential-secrets.service';
import { CredentialsRepository } from '../credentials/credentials.repository';
import { ReceiverSecretsSealer } from './receiver-secrets';
import { DEVELOPMENT_SECRETS_KEY, SecretBox } from './secret-box';

/** The process's SecretBox: SECRETS_KEY, else (never in production) the development key. */
function secretBox(config: AppConfig): SecretBox {
  if (!config.secretsKey) {
    new Logger('Secrets').warn(
      'SECRETS_KEY is unset: credentials and receiver secrets are encrypted with the PUBLIC DEVELOPMENT KEY (docs/credentials.md), which anyone can read. Set SECRETS_KEY (openssl rand -base64 32) before storing a real secret.',
    );
  }
  return new SecretBox(config.secretsKey ?? DEVELOPMENT_SECRETS_KEY, config.secretsKeyPrevious);
}

const SHARED = [CredentialsRepository, CredentialSecrets];

/**
 * Encryption of stored secrets and access to credentials, for the API and the workers alike:
 * SecretBox (seal/open), CredentialsRepository and CredentialSecrets (resolve a credential with
 * its secrets). Global, so any feature injects them without importing this module.
 */
@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [APP_CONFIG], useFactory: secretBox },
    ...SHARED,
    ReceiverSecretsSealer,
  ],
  exports: [SecretBox, ...SHARED],
})
export class SecretsModule {}
