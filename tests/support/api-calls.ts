import type { ApiHost } from '../../src-main/core/api/api-host.js';
import type { ApiMethod, ApiParams, ApiResponse, ApiResult } from '../../src-main/core/contract/api.js';

/** `ok` answers a method's result (failing the test on an error), `err` the error of a call that must fail. */
export function apiCalls(host: () => ApiHost): {
  ok: <M extends ApiMethod>(method: M, params?: ApiParams<M>) => Promise<ApiResult<M>>;
  err: (method: string, params?: unknown) => Promise<Extract<ApiResponse, { ok: false }>['error']>;
} {
  return {
    ok: async <M extends ApiMethod>(method: M, params: ApiParams<M> = {} as ApiParams<M>): Promise<ApiResult<M>> => {
      const r = await host().call(method, params);
      if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
      return r.result as ApiResult<M>;
    },
    err: async (method: string, params: unknown = {}) => {
      const r = await host().call(method, params);
      if (r.ok) throw new Error(`${method} should have failed`);
      return r.error;
    },
  };
}
