/**
 * A failed Flow Service request, in words an operator can act on: Adobe's code and detail (from
 * either of Adobe's error-body shapes, lambda/adobe-errors.ts), redacted and cut to length, and
 * advice where the code alone would leave an operator guessing.
 */
import { HTTPError } from 'got';
import { adobeAdvice, readAdobeErrorBody } from './adobe-errors.js';
import { FlowServiceError } from './errors.js';
import { describeHttpFailure } from './ims-client.js';
import { redactSecrets, type Redactor } from './redaction.js';

/** The most of Adobe's own detail a message carries (it ends up in results, logs and alarms). */
export const MAX_ADOBE_DETAIL_CHARS = 300;

/**
 * Turn a got failure into a {@link FlowServiceError} with Adobe's code and detail, from either of
 * Adobe's error-body shapes, and advice where the code alone would leave an operator guessing.
 * @param options.resource the path requested, as the message names it. @default `/connections/<connectionId>`
 * @param options.redactor scrubs Adobe's detail before it is cut to length. @default the container's secrets only
 */
export function toFlowServiceError(
  error: unknown,
  method: string,
  connectionId: string,
  sandboxName: string,
  {
    resource = `/connections/${connectionId}`,
    redactor,
  }: { readonly resource?: string; readonly redactor?: Pick<Redactor, 'redact'> } = {},
): FlowServiceError {
  const redact = (text: string) => (redactor ? redactor.redact(text) : redactSecrets(text));
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    const { code, detail } = readAdobeErrorBody(error.response.body);
    // Redact before truncating, or a cut could leave part of a secret the service echoed back.
    const adobeDetail = detail ? truncate(redact(detail.replace(/\s+/g, ' ')), MAX_ADOBE_DETAIL_CHARS) : undefined;
    const advice = adobeAdvice(code, status, method, sandboxName);
    return new FlowServiceError(
      `Flow Service ${method} ${resource} failed with HTTP ` +
        `${status}${code ? ` (${code})` : ''}${adobeDetail ? `: ${adobeDetail}` : ''}${advice ? `; ${advice}` : ''}`,
      status,
      code,
      error,
      'FLOW_SERVICE_ERROR',
      adobeDetail,
    );
  }
  const unreachable = (error as { name?: string })?.name !== 'ParseError';
  return new FlowServiceError(
    `Flow Service ${method} ${resource} failed: ${describeHttpFailure(error)}`,
    undefined,
    undefined,
    error,
    unreachable ? 'FLOW_SERVICE_UNREACHABLE' : 'FLOW_SERVICE_ERROR',
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
