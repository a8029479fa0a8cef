import { describe, expect, it } from 'vitest';
import got from 'got';
import { DEFAULT_HTTP_POLICY, gotRetryOptions } from '../../../lambda/http-policy.js';

describe('gotRetryOptions', () => {
  const options = gotRetryOptions(DEFAULT_HTTP_POLICY, ['GET', 'PATCH']);

  it.each([429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
    expect(options.statusCodes).toContain(status);
  });

  it.each([400, 401, 403, 404, 409, 412])('never retries HTTP %i (handled elsewhere or final)', (status) => {
    expect(options.statusCodes).not.toContain(status);
  });

  it.each(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE'])('retries the network failure %s', (code) => {
    expect(options.errorCodes).toContain(code);
  });

  it('retries PATCH on purpose (If-Match makes a repeat safe) with a bounded total', () => {
    expect(options).toMatchObject({ limit: 3, methods: ['GET', 'PATCH'], backoffLimit: 8000, maxRetryAfter: 30_000 });
  });

  it('is a policy got accepts as it stands (got validates noise and limits when extending)', () => {
    expect(() => got.extend({ retry: options, timeout: { request: DEFAULT_HTTP_POLICY.timeoutMs } })).not.toThrow();
  });
});
