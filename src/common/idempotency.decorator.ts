import { ApiHeader } from '@nestjs/swagger';

/** Documents the Idempotency-Key header that every POST honours (IdempotencyInterceptor). */
export const ApiIdempotencyKey = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Same key and body within 24 h returns the first response without doing the work again (also when the two requests race); same key with another body is 422.',
    example: '3f2b8c1e-0d4a-4c55-9a57-0b5b8d6f4e21',
  });
