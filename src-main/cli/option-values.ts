/** Parsers of command-line option values: each turns the text into a value or says what it must be. */
import { InvalidArgumentError } from 'commander';

import { MAX_SHIFT_AVERAGE } from '../core/embedding/seed/embedding-views.js';

export function shiftPixels(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_SHIFT_AVERAGE) throw new InvalidArgumentError(`must be a whole number of pixels from 0 to ${MAX_SHIFT_AVERAGE}`);
  return n;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number of at least 0');
  return n;
}

export function wholeOrZero(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 15) throw new InvalidArgumentError('must be a whole number from 0 to 15');
  return n;
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

export function oneOf<T extends string>(values: readonly T[]): (v: string) => T {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${values.join(', ')}`);
    return v as T;
  };
}
