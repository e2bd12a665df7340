import { ConsoleLogger, INestApplicationContext, LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation';
import { AppConfig, LogLevel } from './config/app-config';
import { WorkerModule } from './worker.module';

/** Big enough for 10,000 pushed samples with room to spare. */
export const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  silent: [],
};

/** JSON lines, one logger for Nest's own messages in every role. */
export function createLogger(config: Pick<AppConfig, 'logLevel'>): ConsoleLogger {
  return new ConsoleLogger({ json: true, logLevels: NEST_LEVELS[config.logLevel] });
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

/** The HTTP application exactly as `npm start` serves it; tests boot the same. */
export async function createHttpApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: createLogger(config),
  });
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
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
