import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsOptional,
  IsString,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { formatRate, parseRate, RATE_FORMAT, type Rate } from '../core/rate.js';

@ValidatorConstraint({ name: 'rate' })
export class RateConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && value.length <= 40 && parseRate(value) !== undefined;
  }
  defaultMessage(): string {
    return `must be ${RATE_FORMAT}`;
  }
}

/** An optional `rateLimit` field of an admin DTO: "600 per minute", or null to remove it. */
export function RateLimitField(description: string) {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      nullable: true,
      example: '600 per minute',
      description: `${description} As "<n> per second|minute|hour|day"; null or absent: none.`,
    }),
    IsOptional(),
    IsString(),
    Validate(RateConstraint),
  );
}

/** The two columns of a rate limit, from what an admin sent (undefined: leave it as it is). */
export function rateLimitColumns(text: string | null | undefined) {
  if (text === undefined) return {};
  const rate = text === null ? undefined : parseRate(text);
  return {
    rateLimitRequests: rate?.requests ?? null,
    rateLimitPeriodSeconds: rate?.periodSeconds ?? null,
  };
}

/** The rate stored in two columns, or null. */
export function rateFromColumns(row: {
  rateLimitRequests: number | null;
  rateLimitPeriodSeconds: number | null;
}): Rate | null {
  return row.rateLimitRequests !== null && row.rateLimitPeriodSeconds !== null
    ? { requests: row.rateLimitRequests, periodSeconds: row.rateLimitPeriodSeconds }
    : null;
}

/** As the admin API shows it. */
export function rateLimitText(row: {
  rateLimitRequests: number | null;
  rateLimitPeriodSeconds: number | null;
}): string | null {
  const rate = rateFromColumns(row);
  return rate === null ? null : formatRate(rate);
}
