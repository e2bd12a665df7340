import {
  ConsoleLogger,
  ConsoleLoggerOptions,
  INestApplicationContext,
  Logger,
  Module,
  LogLevel as NestLogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { once } from 'node:events';
import { AppModule } from './app.module';
import { ApiKeyRing } from './common/api-keys';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { registerRateLimits } from './common/rate-limit';
import { SecretRedactor, urlSecrets } from './config/redact';
import { requestIdOf } from './common/request-id';
import { createValidationPipe } from './common/validation';
import { AppConfig, LogLevel } from './config/app-config';
import { plainRedisOptions } from './queue/redis-connection';
import { WorkerModule } from './worker.module';

/** The body limit of every route but the telemetry push. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The telemetry push: big enough for 10,000 samples with room to spare. */
export const TELEMETRY_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const LARGE_BODY_ROUTES: readonly { method: string; url: string }[] = [
  { method: 'POST', url: '/deployments/:id/telemetry' },
];

/**
 * Socket timeouts. A client has REQUEST_TIMEOUT_MS to send its whole request (headers and
 * body), so a slow sender cannot hold a connection; an idle connection is closed after
 * CONNECTION_TIMEOUT_MS (event streams send a keep-alive every 15 s, well within it); an idle
 * keep-alive connection is kept KEEP_ALIVE_TIMEOUT_MS, longer than the 60 s idle timeout of
 * common load balancers, so they never reuse a connection the service has just closed.
 */
export const REQUEST_TIMEOUT_MS = 60_000;
export const CONNECTION_TIMEOUT_MS = 120_000;
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  silent: [],
};

/** Every secret of the configuration, for redacting log lines and error messages. */
export function secretRedactor(
  config: Pick<AppConfig, 'apiKeys' | 'databaseUrl' | 'redisUrl' | 'rateLimitRedisUrl'>,
): SecretRedactor {
  return new SecretRedactor([
    ...config.apiKeys.map((key) => key.secret),
    ...urlSecrets(config.databaseUrl),
    ...urlSecrets(config.redisUrl),
    ...urlSecrets(config.rateLimitRedisUrl),
  ]);
}

/** Nest's JSON logger, with every configured secret replaced by *** in what it writes. */
class RedactingLogger extends ConsoleLogger {
  constructor(
    options: ConsoleLoggerOptions,
    private readonly secrets: SecretRedactor,
  ) {
    super(options);
  }

  protected override stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    return this.secrets.redact(super.stringifyJsonLogObject(logObject));
  }
}

/** JSON lines, one logger for Nest's own messages in every role. */
export function createLogger(
  config: Pick<
    AppConfig,
    'logLevel' | 'apiKeys' | 'databaseUrl' | 'redisUrl' | 'rateLimitRedisUrl'
  >,
): ConsoleLogger {
  return new RedactingLogger(
    { json: true, logLevels: NEST_LEVELS[config.logLevel] },
    secretRedactor(config),
  );
}

export function buildOpenApiDocument(app: NestFastifyApplication) {
  const options = new DocumentBuilder()
    .setTitle('netorch')
    .setDescription(
      'Network Deployment & Telemetry Orchestrator: create fabrics of switches, watch workers roll every node out (PENDING → PROVISIONING → CONFIGURING → RUNNING | FAILED), collect telemetry and find the nodes that hold the fabric back. Errors are `{status_code, error, detail}`.',
    )
    .setVersion('0.1.0')
    .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'api-key')
    .addSecurityRequirements('api-key')
    .build();
  return SwaggerModule.createDocument(app, options);
}

/** Gives the telemetry push its larger body limit as Nest registers the routes. */
function registerBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const large = LARGE_BODY_ROUTES.some((r) => r.url === route.url && methods.includes(r.method));
    if (large) route.bodyLimit = TELEMETRY_BODY_LIMIT_BYTES;
  });
}

/** The rate limiter's own Redis client; it never waits for a reconnect (plainRedisOptions). */
async function rateLimitRedis(config: AppConfig, logger: Logger): Promise<Redis> {
  const redis = new Redis(plainRedisOptions(config.rateLimitRedisUrl));
  let warnedAt = -Infinity;
  redis.on('error', (error: Error) => {
    if (Date.now() - warnedAt < 60_000) return;
    warnedAt = Date.now();
    logger.warn(`Rate-limit Redis connection: ${error.message}`);
  });
  // Start counting at once when Redis is there; without it the limiter lets requests through.
  await Promise.race([
    once(redis, 'ready').catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 3000).unref()),
  ]);
  return redis;
}

/** The API and the workers in one application: one module graph, so one connection pool. */
@Module({ imports: [AppModule, WorkerModule] })
class ApiAndWorkerModule {}

/**
 * The HTTP application exactly as `npm start` serves it; tests boot the same. With
 * `withWorkers` (APP_ROLE=all) the queue processors run in the same application.
 */
export async function createHttpApp(
  config: AppConfig,
  { withWorkers = false }: { withWorkers?: boolean } = {},
): Promise<NestFastifyApplication> {
  const redactor = secretRedactor(config);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
            ...(redactor.empty ? {} : { hooks: { streamWrite: (line) => redactor.redact(line) } }),
          },
    // The client's X-Request-Id only when short and plain (it is stored in audit rows).
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  registerBodyLimits(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(
    withWorkers ? ApiAndWorkerModule : AppModule,
    adapter,
    { logger: createLogger(config) },
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  if (config.rateLimitPerMinute > 0) {
    const logger = new Logger('RateLimit');
    const redis = await rateLimitRedis(config, logger);
    fastify.addHook('onClose', async () => {
      redis.disconnect();
    });
    await registerRateLimits(
      fastify,
      {
        perMinute: config.rateLimitPerMinute,
        burst: config.rateLimitBurst,
        redis,
        prefix: config.queuePrefix,
        ring: new ApiKeyRing(config.apiKeys),
      },
      logger,
    );
  }
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
  await app.init();
  return app;
}

export async function createWorkerContext(config: AppConfig): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(WorkerModule, {
    logger: createLogger(config),
  });
  context.enableShutdownHooks();
  return context;
}
