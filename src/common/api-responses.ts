import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ApiErrorDto } from './api-error';

const describeError = (status: number, description: string, detail: string) =>
  ApiResponse({
    status,
    description,
    type: ApiErrorDto,
    example: { status_code: status, error: description, detail },
  });

/** The error responses every endpoint shares, documented once. */
export const ApiStandardErrors = (...extra: ('400' | '404' | '409' | '412' | '413')[]) =>
  applyDecorators(
    describeError(422, 'Unprocessable Entity', 'target_node_count must not be less than 1'),
    describeError(
      503,
      'Service Unavailable',
      'A backing service (PostgreSQL or Redis) is unavailable; retry shortly and see GET /health',
    ),
    ...(extra.includes('400')
      ? [describeError(400, 'Bad Request', 'The request body is not valid JSON')]
      : []),
    ...(extra.includes('404') ? [describeError(404, 'Not Found', 'Deployment not found')] : []),
    ...(extra.includes('409')
      ? [
          describeError(
            409,
            'Conflict',
            'Node node-001 is RUNNING; only a FAILED node can be retried',
          ),
        ]
      : []),
    ...(extra.includes('412')
      ? [
          describeError(
            412,
            'Precondition Failed',
            'If-Match does not match the current ETag; GET the deployment and try again',
          ),
        ]
      : []),
    ...(extra.includes('413')
      ? [
          describeError(
            413,
            'Payload Too Large',
            'The request body is larger than the limit of this endpoint',
          ),
        ]
      : []),
  );
