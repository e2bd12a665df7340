// First: with OTEL_EXPORTER_OTLP_ENDPOINT set, tracing must hook http and pg before they load.
import './observability/tracing-bootstrap';
import { Logger } from '@nestjs/common';
import { createHttpApp, createLogger, createWorkerContext, secretRedactor } from './app.factory';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { prepareDatabase } from './database/prepare-database';
import { waitForRedis } from './queue/redis-connection';

let config: AppConfig | undefined;

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    // ConfigError messages name the variable and why, never a secret.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** One entry point; APP_ROLE picks HTTP (api), processors (worker) or both (all). */
async function bootstrap(): Promise<void> {
  config = readConfig();
  Logger.overrideLogger(createLogger(config));
  const logger = new Logger('Bootstrap');
  await prepareDatabase(config.databaseUrl);
  await waitForRedis(config.redisUrl);
  if (config.role !== 'worker') {
    if (config.apiKeys.length === 0) {
      logger.warn(
        'API_KEYS is empty: the API is OPEN to anyone who can reach it. Set API_KEYS=name:secret:rw[,name:secret:ro] to protect it.',
      );
    }
    // APP_ROLE=all runs the processors in the HTTP application: one context, one pool.
    const app = await createHttpApp(config, { withWorkers: config.role === 'all' });
    await app.listen(config.port, config.host);
    logger.log(`API listening on http://${config.host}:${config.port} (Swagger UI at /docs)`);
  } else {
    await createWorkerContext(config);
  }
  if (config.role !== 'api') logger.log(`Worker started (queue prefix ${config.queuePrefix})`);
}

bootstrap().catch((error: unknown) => {
  const text = `netorch failed to start: ${(error as Error)?.stack ?? String(error)}`;
  process.stderr.write(`${config ? secretRedactor(config).redact(text) : text}\n`);
  process.exit(1);
});
