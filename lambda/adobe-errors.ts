/**
 * Adobe's error bodies, read into one code and one line of detail. Every shape Adobe documents
 * (FLOW-SERVICE.md, "Error bodies" and "Error bodies seen in Adobe's troubleshooting guide"):
 *
 * - Flow Service's own errors are problem documents: the code is the suffix of a `type` under
 *   `https://ns.adobe.com/aep/errors/` (`…/FLOW-1404-412` → `1404-412`), the human text is in
 *   `report["detailed-message"]`, else RFC 7807's `detail`, else `errorMessage`, else the short `title`.
 * - A problem document whose `type` is anything else (`/placeholder/type/uri`) gives no code: its
 *   `detail` is the explanation.
 * - A body that is only `{"errorMessage": "…"}` (a 412 in the troubleshooting guide) has no code:
 *   the caller keys on the HTTP status.
 * - The API gateway's refusals, before Flow Service sees the request, are
 *   `{"error_code": "401013", "message": "Oauth token is not valid"}`.
 *
 * Experience League: sources error catalog, the labels tutorial's full FLOW-1439-404 body, and the
 * Platform troubleshooting guide (see FLOW-SERVICE.md).
 */

/** What an Adobe error body says, as far as it says anything. */
export interface AdobeErrorBody {
  /** `1404-412`, `401013`, ... Only from a `type` under ns.adobe.com/aep/errors/, or the gateway's `error_code`. */
  readonly code?: string;
  /** Adobe's own explanation, untouched (the caller redacts and truncates). */
  readonly detail?: string;
  /** `message`: an `errorMessage`-only body, whose meaning is its HTTP status. */
  readonly shape: 'problem' | 'gateway' | 'message' | 'unknown';
}

/** Where Adobe's problem types live: a `type` elsewhere (`/placeholder/type/uri`) carries no code. */
const ADOBE_ERROR_TYPE = /^https?:\/\/ns\.adobe\.com\/aep\/errors\/([^/?#]+)$/;

/**
 * `https://ns.adobe.com/aep/errors/FLOW-1404-412` → `1404-412`; another product's code is kept
 * whole (`PLAT-0001-400`).
 */
function problemCode(type: string): string | undefined {
  const last = ADOBE_ERROR_TYPE.exec(type)?.[1];
  if (!last) return undefined;
  return last.startsWith('FLOW-') ? last.slice('FLOW-'.length) : last;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;

/** Read any of Adobe's shapes; anything else (HTML from a proxy, an empty body) says nothing. */
export function readAdobeErrorBody(body: unknown): AdobeErrorBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { shape: 'unknown' };
  const record = body as Record<string, unknown>;
  const type = text(record.type);
  if (type || record.report !== undefined) {
    const report = record.report && typeof record.report === 'object' ? (record.report as Record<string, unknown>) : {};
    const code = type ? problemCode(type) : undefined;
    const detail =
      text(report['detailed-message']) ?? text(record.detail) ?? text(record.errorMessage) ?? text(record.title);
    return { shape: 'problem', ...(code ? { code } : {}), ...(detail ? { detail } : {}) };
  }
  const gatewayCode = text(record.error_code);
  if (gatewayCode || text(record.message)) {
    const detail = text(record.message);
    return { shape: 'gateway', ...(gatewayCode ? { code: gatewayCode } : {}), ...(detail ? { detail } : {}) };
  }
  const message = text(record.errorMessage) ?? text(record.detail);
  if (message) return { shape: 'message', detail: message };
  return { shape: 'unknown' };
}

/**
 * What the operator should do about a refusal Adobe explains only by its code. Keys are Adobe's
 * codes; a 403 on a write that Adobe gives no known code for gets the same advice as `2118-403`.
 */
export function adobeAdvice(
  code: string | undefined,
  statusCode: number,
  method: string,
  sandboxName: string,
): string | undefined {
  if (code === '403025') {
    return (
      "Adobe's gateway says the credential's org or product profile is not entitled (403025): " +
      "add the Developer Console project's OAuth Server-to-Server credential to an Experience Platform product " +
      'profile'
    );
  }
  if (code === '403027') {
    return (
      "Adobe's gateway says the user region is missing (403027): orgId in the Adobe credentials secret is " +
      "malformed (it ends in @AdobeOrg), or the Developer Console project's credential has no Experience " +
      'Platform product profile'
    );
  }
  if (code === '403003' || code === '403000')
    return 'Adobe does not accept the API key (x-api-key): check clientId in the Adobe credentials secret';
  if (code === '400003') return 'the IMS org header was missing: check orgId in the Adobe credentials secret';
  if (code === '2100-404' || code === '2101-404') {
    return (
      `Adobe knows no sandbox ${sandboxName} in this org: check the target's sandboxName (Adobe's sandbox name, ` +
      'lower case, not its title)'
    );
  }
  if (code === '1365-400')
    return (
      "the connection's spec has no such auth param: the connection is not an Amazon S3 access-key connection as " +
      'the rotator expects'
    );
  if (statusCode === 403 && method !== 'GET') {
    return (
      'the Adobe credential may read this connection but not write it: its product profile needs the Sources ' +
      `"manage" permission in sandbox ${sandboxName} (Adobe Admin Console → Experience Platform → the product ` +
      'profile of the Developer Console credential → Permissions → Sources → Manage Sources)'
    );
  }
  return undefined;
}
