/**
 * What Adobe's gateway and Flow Service check of a request before it reaches a connection, in the
 * order they apply them: the IMS token, the API key, the org, the client's entitlement, throttling,
 * the sandbox, and the client's Sources permission in that sandbox (its credential's product
 * profile). Token and API key failures come from the gateway and use its shape (TS); org, sandbox
 * and permission failures are Flow Service's own codes (ERR, CAT).
 */
import type { IssuedImsToken, ImsEmulator } from './adobe-types.js';
import { flowError, gatewayRefusal, messageOnly } from './flow-service-errors.js';
import type { EmulatorResponse } from './http-server.js';

/** What a client may do with connections in one sandbox (through its product profile). */
export type SourcesPermission = 'manage' | 'view' | 'none';

/** Every org has its production sandbox (Adobe creates `prod` with the org). */
const DEFAULT_SANDBOX = 'prod';

/** Who a request comes from, once every check passed. */
export interface Admitted {
  readonly token: IssuedImsToken;
  readonly sandboxName: string;
}

/** The checks, and the state tests set them with. */
export class Gateway {
  /** The sandboxes of each org besides `prod`. */
  private readonly sandboxes = new Map<string, Set<string>>();
  private readonly permissions = new Map<string, SourcesPermission>();
  private readonly notEntitled = new Set<string>();
  private readonly throttle = { remaining: 0, retryAfterSeconds: 1 };

  /** @param ims - decides whether a bearer token is valid, and whose it is. */
  constructor(private readonly ims: Pick<ImsEmulator, 'validateToken'>) {}

  addSandbox(orgId: string, sandboxName: string): void {
    if (!this.sandboxes.has(orgId)) this.sandboxes.set(orgId, new Set());
    this.sandboxes.get(orgId)!.add(sandboxName);
  }

  setSourcesPermission(clientId: string, sandboxName: string, permission: SourcesPermission): void {
    this.permissions.set(`${clientId}\u0000${sandboxName}`, permission);
  }

  setEntitled(clientId: string, entitled: boolean): void {
    if (entitled) this.notEntitled.delete(clientId);
    else this.notEntitled.add(clientId);
  }

  throttleAtGateway(times: number, retryAfterSeconds: number): void {
    this.throttle.remaining = times;
    this.throttle.retryAfterSeconds = retryAfterSeconds;
  }

  /** Who sent a request with these headers, allowed to `method` connections in its sandbox; or the refusal. */
  admit(method: string, headers: Record<string, string>): Admitted | EmulatorResponse {
    const auth = this.authenticate(headers);
    if ('status' in auth) return auth;
    // Permissions are per sandbox, through the credential's product profile: a client may read
    // connections it cannot write (CAT: missing permission, 403).
    const permission = this.permissions.get(`${auth.token.clientId}\u0000${auth.sandboxName}`) ?? 'manage';
    if (permission === 'none' || (permission === 'view' && method !== 'GET')) {
      const needed = method === 'GET' ? 'View Sources' : 'Manage Sources';
      return flowError(
        403,
        '2118-403',
        `The user or client does not have the required permission to perform this operation: ${needed} ` +
          `in sandbox ${auth.sandboxName}. Contact your administrator to grant access through a product profile.`,
      );
    }
    return auth;
  }

  /**
   * Gateway and Flow Service header checks, in the order the gateway applies them. Token and
   * API key failures come from the gateway and use its shape (TS); org and sandbox failures are
   * Flow Service's own codes (ERR "authorization user token validation errors").
   */
  private authenticate(headers: Record<string, string>): Admitted | EmulatorResponse {
    const known = (orgId: string, sandboxName: string) =>
      sandboxName === DEFAULT_SANDBOX || Boolean(this.sandboxes.get(orgId)?.has(sandboxName));
    const authorization = headers.authorization;
    if (!authorization) return gatewayRefusal(403, '403010', 'Oauth token is missing');
    const bearer = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const token = bearer ? this.ims.validateToken(bearer) : undefined;
    if (!token) return gatewayRefusal(401, '401013', 'Oauth token is not valid');
    const apiKey = headers['x-api-key'];
    if (!apiKey) return gatewayRefusal(403, '403000', 'Api Key is required');
    if (apiKey !== token.clientId) return gatewayRefusal(403, '403003', 'Api Key is invalid');
    const orgId = headers['x-gw-ims-org-id'];
    if (!orgId) return gatewayRefusal(400, '400003', 'Missing header x-gw-ims-org-id');
    if (this.notEntitled.has(token.clientId)) return gatewayRefusal(403, '403025', 'Profile is not valid');
    if (this.throttle.remaining > 0) {
      this.throttle.remaining -= 1;
      // No code Adobe documents for Platform: the status and Retry-After say it all.
      return {
        ...messageOnly(429, 'Too many requests'),
        headers: { 'retry-after': String(this.throttle.retryAfterSeconds) },
      };
    }
    if (orgId !== token.orgId) {
      return flowError(
        401,
        '2000-401',
        'The authorization token does not have access to this organization or the organization does not exist.',
      );
    }
    const sandboxName = headers['x-sandbox-name'];
    if (!sandboxName) return flowError(400, '2105-400', 'The header x-sandbox-name is missing in the request.');
    // ERR: an unknown sandbox is "Sandbox not found", not "connection not found".
    if (!known(token.orgId, sandboxName))
      return flowError(
        404,
        '2100-404',
        `Sandbox not found: the sandbox ${sandboxName} does not exist in this organization.`,
      );
    return { token, sandboxName };
  }
}
