import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyInstance, LogController } from 'fastify';
import Redis from 'ioredis';
import { once } from 'node:events';
import { AppModule } from './app.module';
import { queueBoardKeyCheck, registerApiKeyCheck } from './common/api-key.hooks';
import { registerBodyAdmission } from './common/body-admission';
import { ApiKeyRing } from './common/api-keys';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { applyIdempotencyToPosts } from './common/idempotency.module';
import { registerRateLimits } from './common/rate-limit';
import { SecretRedactor } from './config/redact';
import { requestIdOf } from './common/request-id';
import { createValidationPipe } from './common/validation';
import { AppConfig, configSecrets } from './config/app-config';
import { registerRequestLogging } from './observability/http-logging';
import { createRootLogger, PinoLoggerService } from './observability/logger';
import { ObservabilityModule } from './observability/observability.module';
import { JobEnqueueService } from './queue/job-enqueue.service';
import { plainRedisOptions } from './queue/redis-connection';
import { WorkerModule } from './worker.module';

/** The body limit of every route but the telemetry push. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The telemetry push: big enough for 10,000 samples with room to spare. */
export const TELEMETRY_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
/** Where the queue UI (bull-board) is served. */
export const QUEUE_BOARD_PATH = '/queues';

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

/** Every secret of the configuration, for redacting log lines and error messages. */
export function secretRedactor(
  config: Pick<
    AppConfig,
    | 'apiKeys'
    | 'databaseUrl'
    | 'redisUrl'
    | 'rateLimitRedisUrl'
    | 'otlpEndpoint'
    | 'secretsKey'
    | 'secretsKeyPrevious'
  >,
): SecretRedactor {
  return new SecretRedactor(configSecrets(config));
}

let processLogger: PinoLoggerService | undefined;

/**
 * The process's one logger (pino, JSON lines): Nest's messages go through it as a LoggerService,
 * Fastify logs on the same pino instance, and every configured secret is replaced by *** in
 * whatever it writes. Created once per process; every role and app of the process shares it.
 */
export function createLogger(
  config: Pick<
    AppConfig,
    | 'logLevel'
    | 'role'
    | 'apiKeys'
    | 'databaseUrl'
    | 'redisUrl'
    | 'rateLimitRedisUrl'
    | 'otlpEndpoint'
    | 'secretsKey'
    | 'secretsKeyPrevious'
  >,
): PinoLoggerService {
  processLogger ??= new PinoLoggerService(
    createRootLogger({
      level: config.logLevel,
      role: config.role,
      redactor: secretRedactor(config),
    }),
  );
  return processLogger;
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
@Module({ imports: [AppModule, WorkerModule, ObservabilityModule] })
class ApiAndWorkerModule {}

/** The API role. */
@Module({ imports: [AppModule, ObservabilityModule] })
class ApiRootModule {}

/** The worker role. */
@Module({ imports: [WorkerModule, ObservabilityModule] })
class WorkerRootModule {}

/**
 * bull-board at /queues: every queue's jobs, with retry, promote and remove; behind an rw key
 * when API_KEYS is set (queueBoardKeyCheck, since these are Fastify routes Nest's guard never sees).
 */
async function registerQueueBoard(
  fastify: FastifyInstance,
  app: NestFastifyApplication,
  ring: ApiKeyRing,
): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: app
      .get(JobEnqueueService)
      .allQueues()
      .map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'netorch queues' } },
  });
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', queueBoardKeyCheck(ring));
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUE_BOARD_PATH },
  );
}

/**
 * The HTTP application exactly as `npm start` serves it; tests boot the same. With
 * `withWorkers` (APP_ROLE=all) the queue processors run in the same application.
 */
export async function createHttpApp(
  config: AppConfig,
  { withWorkers = false }: { withWorkers?: boolean } = {},
): Promise<NestFastifyApplication> {
  const appLogger = createLogger(config);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Fastify logs on the process's pino logger: its request lines carry `request_id`; the one
    // access line per request is registerRequestLogging's.
    loggerInstance: appLogger.pino,
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    // The client's X-Request-Id only when short and plain (it is stored in audit rows).
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  registerRequestLogging(fastify);
  registerBodyLimits(fastify);
  registerBodyAdmission(fastify, BODY_LIMIT_BYTES);
  const app = await NestFactory.create<NestFastifyApplication>(
    withWorkers ? ApiAndWorkerModule : ApiRootModule,
    adapter,
    { logger: appLogger },
  );
  const ring = new ApiKeyRing(config.apiKeys);
  registerApiKeyCheck(app, fastify, ring);
  applyIdempotencyToPosts(app);
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  // A callback hook: an async one would cost a promise per request.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  if (config.rateLimitPerMinute > 0) {
    const logger = new Logger('RateLimit');
    const redis = await rateLimitRedis(config, logger);
    fastify.addHook('onClose', async () => {
      redis.disconnect();
    });
    registerRateLimits(
      fastify,
      {
        perMinute: config.rateLimitPerMinute,
        burst: config.rateLimitBurst,
        redis,
        prefix: config.queuePrefix,
        ring,
      },
      logger,
    );
  }
  await registerQueueBoard(fastify, app, ring);
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
  await app.init();
  return app;
}

export async function createWorkerContext(config: AppConfig): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(WorkerRootModule, {
    logger: createLogger(config),
  });
  context.enableShutdownHooks();
  return context;
}
