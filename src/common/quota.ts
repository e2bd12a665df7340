import { UnprocessableEntityException } from '@nestjs/common';

/**
 * Refuses a creation that would go beyond a quota: 422 naming the variable that sets it, so an
 * operator knows what to raise. `count` is what exists now.
 */
export function assertBelowQuota(count: number, limit: number, variable: string, what: string) {
  if (count >= limit) {
    throw new UnprocessableEntityException(
      `${variable} (${limit}) reached: there are already ${count} ${what}; delete some or raise ${variable}`,
    );
  }
}
