/**
 * Refusals to inject into the emulators, in the services' own words: Flow Service's (a connection
 * not found, a PATCH refused, an explore refused or unanswered) and STS throttling AssumeRole.
 */
import { flowProblem } from '../../emulators/flow-service.js';
import { stsErrorXml } from '../../emulators/sts.js';
import type { Fault } from '../../emulators/types.js';

/** Adobe's words for FLOW-1445-400: the connection does not take PATCH. */
export const PATCH_NOT_ENABLED = 'PATCH connection feature not enabled.';

/** Adobe's words for FLOW-1416-400: the connection is in a state that cannot be updated. */
export const NOT_UPDATABLE_STATE =
  'Delete or update can only be applied on a connection with enabled, disabled or initializing state.';

/** Flow Service answers the GET of every connection with FLOW-1101-404, `times` times (default once). */
export function connectionNotFound(times?: number): Fault {
  return {
    match: { method: 'GET' },
    kind: 'respond',
    status: 404,
    body: flowProblem(404, '1101-404', 'Connection not found'),
    ...(times === undefined ? {} : { times }),
  };
}

/** Flow Service refuses the PATCH of `connectionId` (once) with `code`, whose last three digits are the status. */
export function patchRefusal(connectionId: string, code: string, detail: string): Fault {
  const status = Number(code.slice(-3));
  return {
    match: { method: 'PATCH', path: `/connections/${connectionId}` },
    kind: 'respond',
    status,
    body: flowProblem(status, code, detail),
  };
}

/** S3's refusal of what Adobe asked with the connection's credentials, as Flow Service relays it. */
export const REFUSED_BY_S3 = flowProblem(
  400,
  '1100-400',
  'The request could not be processed. Flow provider error: Amazon S3 answered AccessDenied: Access Denied',
);

/** Flow Service's refusal of the explore's path itself (not of the credentials). */
export const INVALID_EXPLORE_PATH = flowProblem(
  400,
  '1100-400',
  'Invalid request: object is not a path this connection can explore.',
);

/** Flow Service unavailable, as its problem document says it. */
export const TRY_AGAIN = flowProblem(503, '1103-503', 'try again');

/**
 * Flow Service answers the explores (of `connectionId`, or of every connection) with `problem`,
 * `times` times (default once): Adobe's check after the PATCH, refused or unanswered.
 */
export function exploreAnswer(
  problem: ReturnType<typeof flowProblem>,
  { times, connectionId }: { times?: number; connectionId?: string } = {},
): Fault {
  return {
    match: { path: connectionId ? `/connections/${connectionId}/explore` : /\/explore$/ },
    kind: 'respond',
    status: problem.status,
    body: problem,
    ...(times === undefined ? {} : { times }),
  };
}

/** STS throttles AssumeRole (`Throttling`, as its XML error says it), `times` times (default once). */
export function assumeRoleThrottled(times?: number): Fault {
  return {
    match: { action: 'AssumeRole' },
    kind: 'respond',
    status: 400,
    headers: { 'content-type': 'text/xml' },
    body: stsErrorXml('Throttling', 'Rate exceeded'),
    ...(times === undefined ? {} : { times }),
  };
}
