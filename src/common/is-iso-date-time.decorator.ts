import { registerDecorator, ValidationOptions } from 'class-validator';
import { parseIsoDate } from './iso-date';

/** An ISO 8601 date-time (any offset) that names a real instant. */
export function IsIsoDateTime(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIsoDateTime',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO 8601 date-time such as 2026-11-27T10:00:00Z`,
        ...options,
      },
      validator: { validate: (value: unknown) => parseIsoDate(value) !== null },
    });
}
