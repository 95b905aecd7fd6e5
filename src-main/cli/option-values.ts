/** Parsers of command-line option values: each turns the text into a value or says what it must be. */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

import { MAX_SHIFT_AVERAGE } from '../core/embedding/seed/embedding-views.js';

/** A commander parser that reads a number and checks it against `schema` (zod refuses NaN and infinities). */
function numberOption(schema: z.ZodNumber, mustBe: string): (value: string) => number {
  return (value: string): number => {
    const r = schema.safeParse(value.trim() === '' ? Number.NaN : Number(value));
    if (!r.success) throw new InvalidArgumentError(`must be ${mustBe}`);
    return r.data;
  };
}

export const shiftPixels = numberOption(z.number().int().min(0).max(MAX_SHIFT_AVERAGE), `a whole number of pixels from 0 to ${MAX_SHIFT_AVERAGE}`);
export const positiveInt = numberOption(z.number().int().min(1).max(64), 'a whole number from 1 to 64');
export const positiveNumber = numberOption(z.number().positive(), 'a positive number');
export const nonNegativeNumber = numberOption(z.number().min(0), 'a number of at least 0');
export const wholeOrZero = numberOption(z.number().int().min(0).max(15), 'a whole number from 0 to 15');
export const shareOfBatch = numberOption(z.number().gt(0).lt(1), 'a number between 0 and 1 (exclusive)');
export const wholeNumber = numberOption(z.number().int().min(1), 'a whole number of at least 1');

export function oneOf<T extends string>(values: readonly T[]): (v: string) => T {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${values.join(', ')}`);
    return v as T;
  };
}
