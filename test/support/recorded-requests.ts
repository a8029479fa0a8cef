/**
 * Reading what the emulators recorded: the form of an AWS Query request, the access key that signed
 * it, and a rotation's own calls of Flow Service (GET, PATCH, EXPLORE) or of STS, by kind.
 */
import type { RecordedRequest } from '../../emulators/types.js';
import { connectionRequests } from './rotation-harness.js';

/** The form body of an AWS Query request (STS), as a plain object. */
export const formOf = (request: RecordedRequest): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(request.body));

/** The access key id in a SigV4 `Authorization` header: who signed the request. */
export const signerKeyOf = (request: RecordedRequest): string | undefined =>
  /Credential=([A-Z0-9]+)\//.exec(request.headers.authorization ?? '')?.[1];

/** What a Flow Service request was: GET or PATCH of the connection, or EXPLORE (Adobe's check after a PATCH). */
export const callOf = (request: RecordedRequest): string =>
  request.path.endsWith('/explore') ? 'EXPLORE' : request.method;

/** The calls a rotation made of its connection, in order: e.g. `['GET', 'PATCH', 'EXPLORE']`. */
export const connectionCalls = (requests: RecordedRequest[]): string[] => connectionRequests(requests).map(callOf);

/** A rotation's requests of the connection itself (the run's listings beside it are left out), by call. */
export const byMethod = (requests: RecordedRequest[], method: string): RecordedRequest[] =>
  connectionRequests(requests).filter((request) => callOf(request) === method);

/** The requests of an AWS emulator for one action (`AssumeRole`, `GetSecretValue`, ...). */
export const byAction = (requests: RecordedRequest[], action: string): RecordedRequest[] =>
  requests.filter((request) => request.action === action);

/** Flow Service's explores: what Adobe was asked to list or read with a connection's credentials. */
export const explores = (requests: RecordedRequest[]): RecordedRequest[] =>
  requests.filter((request) => request.path.endsWith('/explore'));

/** The folder the world's first connection (sandbox prod) declares, as an explore names it. */
export const FIRST_CONNECTION_FOLDER = '/acme-ingest-0/exports/prod/';
