import { UnprocessableEntityException, ValidationError, ValidationPipe } from '@nestjs/common';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    // Constraints arrive in reverse declaration order; the first declared (the type check) says most.
    const own = Object.values(error.constraints ?? {})
      .slice(-1)
      .map((message) =>
        // class-validator starts messages with the bare property; show the full path instead.
        message.startsWith(error.property)
          ? `${path}${message.slice(error.property.length)}`
          : `${path}: ${message}`,
      );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

export function validationDetail(errors: ValidationError[]): string {
  return flatten(errors).join('; ');
}

/** Unknown fields, wrong types and out-of-range values are 422 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new UnprocessableEntityException({ detail: validationDetail(errors) }),
  });
}
