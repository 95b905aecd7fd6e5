import { expect } from 'vitest';

import { ApiError } from '../../src-main/core/contract/errors.js';

/** The ApiError `fn` throws (fails the test when it throws nothing, or something else). */
export function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError');
}
