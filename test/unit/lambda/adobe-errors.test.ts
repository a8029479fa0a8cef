/**
 * Adobe's error-body shapes, read into one code and one line of detail.
 */
import { HTTPError } from 'got';
import { describe, expect, it } from 'vitest';
import { adobeAdvice, readAdobeErrorBody } from '../../../lambda/adobe-errors.js';
import { MAX_ADOBE_DETAIL_CHARS, toFlowServiceError } from '../../../lambda/flow-service-errors.js';
import { invocationRedactor } from '../../../lambda/redaction.js';

/** The FLOW-1439-404 body of Experience League's labels tutorial (LABELS), as Flow Service sends it. */
const LABELS_PROBLEM = {
  type: 'https://ns.adobe.com/aep/errors/FLOW-1439-404',
  title: 'Resource not found',
  status: 404,
  report: {
    'detailed-message':
      'The requested flows resource with id 7a9b5e3c is not found. Verify the resource ID before trying again.',
    id: '3b2e1c4d',
    'request-id': 'f0e1d2c3',
    type: 'flows',
  },
  errorMessage: 'The requested flows resource is not found.',
  errorDetails: 'flows 7a9b5e3c',
};

describe('readAdobeErrorBody', () => {
  it.each([
    [
      'a Flow Service problem document',
      LABELS_PROBLEM,
      { shape: 'problem', code: '1439-404', detail: LABELS_PROBLEM.report['detailed-message'] },
    ],
    [
      'a problem without a detailed message: errorMessage',
      { ...LABELS_PROBLEM, report: { id: 'x' } },
      { shape: 'problem', code: '1439-404', detail: 'The requested flows resource is not found.' },
    ],
    [
      'a problem with only a title',
      { type: 'https://ns.adobe.com/aep/errors/FLOW-1102-500', title: 'Internal server error', status: 500 },
      { shape: 'problem', code: '1102-500', detail: 'Internal server error' },
    ],
    [
      "another product's problem keeps its whole code",
      { type: 'https://ns.adobe.com/aep/errors/PLAT-0001-400', title: 'Bad request' },
      { shape: 'problem', code: 'PLAT-0001-400', detail: 'Bad request' },
    ],
    [
      "the gateway's refusal",
      { error_code: '401013', message: 'Oauth token is not valid' },
      { shape: 'gateway', code: '401013', detail: 'Oauth token is not valid' },
    ],
    [
      'a gateway body without a code',
      { message: 'Too many requests' },
      { shape: 'gateway', detail: 'Too many requests' },
    ],
    [
      "the troubleshooting guide's 412 with only errorMessage: no code, the status says what it is",
      { errorMessage: 'Supplied version does not match the current version' },
      { shape: 'message', detail: 'Supplied version does not match the current version' },
    ],
    [
      "the troubleshooting guide's content-type 400: RFC 7807 detail, and no code from a placeholder type",
      {
        type: '/placeholder/type/uri',
        title: 'BadRequestError',
        detail: 'Content-Type application/xml is not supported',
      },
      { shape: 'problem', detail: 'Content-Type application/xml is not supported' },
    ],
    [
      'a code only from a type under ns.adobe.com/aep/errors/',
      { type: 'https://example.com/errors/FLOW-1404-412', title: 'Precondition failed' },
      { shape: 'problem', detail: 'Precondition failed' },
    ],
    [
      'the detailed message before RFC 7807 detail',
      {
        type: 'https://ns.adobe.com/aep/errors/FLOW-1100-400',
        detail: 'short',
        report: { 'detailed-message': 'long' },
      },
      { shape: 'problem', code: '1100-400', detail: 'long' },
    ],
    ['HTML from a proxy', '<html>Bad Gateway</html>', { shape: 'unknown' }],
    ['an empty body', undefined, { shape: 'unknown' }],
    ['an array', [{ error_code: 'x' }], { shape: 'unknown' }],
  ] as const)('reads %s', (_name, body, expected) => {
    expect(readAdobeErrorBody(body)).toEqual(expected);
  });
});

describe('adobeAdvice', () => {
  it('names the missing Sources manage permission and the sandbox for a refused write', () => {
    expect(adobeAdvice('2118-403', 403, 'PATCH', 'prod')).toContain(
      'needs the Sources "manage" permission in sandbox prod',
    );
    expect(adobeAdvice('2118-403', 403, 'GET', 'prod')).toBeUndefined();
  });

  it.each([
    ['403025', 'not entitled'],
    ['403003', 'check clientId'],
    ['400003', 'check orgId'],
    ['403027', 'user region is missing (403027): orgId in the Adobe credentials secret is malformed'],
    ['2100-404', 'Adobe knows no sandbox prod in this org'],
    ['2101-404', "check the target's sandboxName"],
    ['1365-400', 'has no such auth param'],
  ])('explains the gateway code %s', (code, phrase) => {
    expect(adobeAdvice(code, 403, 'GET', 'prod')).toContain(phrase);
  });
});

describe('toFlowServiceError', () => {
  /** A got HTTPError for a response of `status` with `body`, as got builds it. */
  function httpError(status: number, body: unknown): HTTPError {
    const response = { statusCode: status, body, request: { options: {} } };
    const error = Object.create(HTTPError.prototype) as HTTPError;
    Object.assign(error, { name: 'HTTPError', message: `Response code ${status}`, response });
    return error;
  }

  it("carries Adobe's code and detail, redacted before it is cut to length", () => {
    const secret = `secret-${'s'.repeat(40)}`;
    const redactor = invocationRedactor();
    redactor.register(secret);
    const long = `${'x'.repeat(MAX_ADOBE_DETAIL_CHARS - 20)} ${secret} ${'y'.repeat(200)}`;

    const error = toFlowServiceError(
      httpError(400, { type: 'https://ns.adobe.com/aep/errors/FLOW-1455-400', report: { 'detailed-message': long } }),
      'PATCH',
      'c1',
      'prod',
      { redactor },
    );

    expect(error.errorCode).toBe('1455-400');
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(
      /^Flow Service PATCH \/connections\/c1 failed with HTTP 400 \(1455-400\): x+ \[REDACTED\] y+…$/,
    );
    expect(error.message).not.toContain('secret-');
    expect(error.message.length).toBeLessThan(MAX_ADOBE_DETAIL_CHARS + 80);
  });

  it("keeps an errorMessage-only body's detail, with no code, and the status decides", () => {
    const error = toFlowServiceError(
      httpError(412, { errorMessage: 'Supplied version=[a] does not match' }),
      'PATCH',
      'c1',
      'prod',
    );

    expect(error.errorCode).toBeUndefined();
    expect(error.statusCode).toBe(412);
    expect(error.message).toBe(
      'Flow Service PATCH /connections/c1 failed with HTTP 412: Supplied version=[a] does not match',
    );
  });

  it('is transient for 429 and 5xx only', () => {
    expect(toFlowServiceError(httpError(429, { errorMessage: 'Too many requests' }), 'GET', 'c', 'p').transient).toBe(
      true,
    );
    expect(toFlowServiceError(httpError(503, {}), 'GET', 'c', 'p').transient).toBe(true);
    for (const status of [400, 401, 403, 404])
      expect(toFlowServiceError(httpError(status, {}), 'GET', 'c', 'p').transient).toBe(false);
  });
});
