import type { ApiErrorCode } from './api.js';

/** An error meant for the user, with a code the window can act on; it crosses the boundary as data. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string): ApiError => new ApiError('not_found', `${what} does not exist (any more)`);
export const conflict = (message: string): ApiError => new ApiError('conflict', message);

/** `value ?? fail(notFound(...))`: throws where an expression is expected. */
export function fail(err: Error): never {
  throw err;
}
