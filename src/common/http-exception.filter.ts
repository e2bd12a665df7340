import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CredentialUseError } from '../credentials/credential-use';
import { ApiErrorDto } from './api-error';

const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection|Connection is closed|Redis did not answer|is not currently accepting connections/i;

function sqlState(error: unknown): string {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : '';
}

/** query_canceled: the statement ran past DB_STATEMENT_TIMEOUT_MS (statement_timeout). */
function isStatementTimeout(error: unknown): boolean {
  return sqlState(error) === '57014';
}

/** PostgreSQL SQLSTATE classes that mean "the server is not there right now". */
function isUnavailable(error: unknown): boolean {
  const e = error as { message?: string };
  const code = sqlState(error);
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    CONNECTION_ERROR.test(e?.message ?? '')
  );
}

function detailOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  const body = response as { detail?: unknown; message?: unknown };
  if (typeof body.detail === 'string') return body.detail;
  if (Array.isArray(body.message)) return body.message.join('; ');
  if (typeof body.message === 'string') return body.message;
  return fallback;
}

/** Fastify's own errors (body parsing, size, media type) carry a statusCode and a code. */
function fastifyError(error: unknown): { status: number; detail: string } | null {
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (typeof e.code !== 'string' || !e.code.startsWith('FST_') || !e.statusCode) return null;
  const detail: Record<string, string> = {
    FST_ERR_CTP_INVALID_JSON: 'The request body is not valid JSON',
    FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send a JSON object',
    FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the limit of this endpoint',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the body as application/json',
  };
  return { status: e.statusCode, detail: detail[e.code] ?? e.message ?? 'Bad request' };
}

export function errorBody(status: number, detail: string): ApiErrorDto {
  return { status_code: status, error: STATUS_CODES[status] ?? 'Error', detail };
}

/** Turns every error into `{status_code, error, detail}`; nothing reaches the client as a stack. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { status, detail } = this.classify(exception, request);
    void reply
      .status(status)
      .header('content-type', 'application/json')
      .send(errorBody(status, detail));
  }

  private classify(
    exception: unknown,
    request: FastifyRequest,
  ): { status: number; detail: string } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (
        status === HttpStatus.NOT_FOUND &&
        /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(exception.message)
      ) {
        return { status, detail: `No route ${request.method} ${request.url.split('?')[0]}` };
      }
      return { status, detail: detailOf(exception.getResponse(), exception.message) };
    }
    if (exception instanceof CredentialUseError) {
      return { status: HttpStatus.UNPROCESSABLE_ENTITY, detail: exception.message };
    }
    const fst = fastifyError(exception);
    if (fst) return fst;
    if (isStatementTimeout(exception)) {
      this.logger.warn(`Statement timeout on ${request.method} ${request.url}`);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        detail:
          'The database did not answer in time (DB_STATEMENT_TIMEOUT_MS); the request was cancelled, retry shortly',
      };
    }
    if (isUnavailable(exception)) {
      this.logger.warn(
        `Dependency unavailable on ${request.method} ${request.url}: ${(exception as Error).message}`,
      );
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        detail:
          'A backing service (PostgreSQL or Redis) is unavailable; retry shortly and see GET /health',
      };
    }
    this.logger.error(
      `Unhandled error on ${request.method} ${request.url}: ${(exception as Error)?.stack ?? String(exception)}`,
    );
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'Internal server error' };
  }
}
