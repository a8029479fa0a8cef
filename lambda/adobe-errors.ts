/**
 * Adobe's two error-body shapes, read into one code and one line of detail.
 *
 * - Flow Service's own errors are problem documents: the code is the suffix of `type`
 *   (`https://ns.adobe.com/aep/errors/FLOW-1439-404` → `1439-404`), the human text is in
 *   `report["detailed-message"]`, else `errorMessage`, else the short `title`.
 * - The API gateway's refusals, before Flow Service sees the request, are
 *   `{"error_code": "401013", "message": "Oauth token is not valid"}`.
 *
 * Experience League: sources error catalog, the labels tutorial's full FLOW-1439-404 body, and the
 * Platform troubleshooting guide (see FLOW-SERVICE.md, "Error bodies").
 */

/** What an Adobe error body says, as far as it says anything. */
export interface AdobeErrorBody {
  /** `1404-412`, `401013`, ... */
  readonly code?: string;
  /** Adobe's own explanation, untouched (the caller redacts and truncates). */
  readonly detail?: string;
  readonly shape: 'problem' | 'gateway' | 'unknown';
}

/** `https://ns.adobe.com/aep/errors/FLOW-1404-412` → `1404-412`; another product's code is kept whole (`PLAT-0001-400`). */
function problemCode(type: string): string | undefined {
  const last = type.slice(type.lastIndexOf('/') + 1);
  if (!last) return undefined;
  return last.startsWith('FLOW-') ? last.slice('FLOW-'.length) : last;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** Read either shape; anything else (HTML from a proxy, an empty body) says nothing. */
export function readAdobeErrorBody(body: unknown): AdobeErrorBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { shape: 'unknown' };
  const record = body as Record<string, unknown>;
  const type = text(record.type);
  if (type || record.report !== undefined) {
    const report = record.report && typeof record.report === 'object' ? (record.report as Record<string, unknown>) : {};
    const code = type ? problemCode(type) : undefined;
    const detail = text(report['detailed-message']) ?? text(record.errorMessage) ?? text(record.title);
    return { shape: 'problem', ...(code ? { code } : {}), ...(detail ? { detail } : {}) };
  }
  const gatewayCode = text(record.error_code);
  if (gatewayCode || text(record.message)) {
    const detail = text(record.message);
    return { shape: 'gateway', ...(gatewayCode ? { code: gatewayCode } : {}), ...(detail ? { detail } : {}) };
  }
  return { shape: 'unknown' };
}

/**
 * What the operator should do about a refusal Adobe explains only by its code. Keys are Adobe's
 * codes; a 403 on a write that Adobe gives no known code for gets the same advice as `2118-403`.
 */
export function adobeAdvice(code: string | undefined, statusCode: number, method: string, sandboxName: string): string | undefined {
  if (code === '403025') {
    return "Adobe's gateway says the credential's org or product profile is not entitled (403025): add the Developer Console project's OAuth Server-to-Server credential to an Experience Platform product profile";
  }
  if (code === '403003' || code === '403000') return 'Adobe does not accept the API key (x-api-key): check clientId in the Adobe credentials secret';
  if (code === '400003') return 'the IMS org header was missing: check orgId in the Adobe credentials secret';
  if (statusCode === 403 && method !== 'GET') {
    return (
      `the Adobe credential may read this connection but not write it: its product profile needs the Sources "manage" permission in sandbox ${sandboxName} ` +
      '(Adobe Admin Console → Experience Platform → the product profile of the Developer Console credential → Permissions → Sources → Manage Sources)'
    );
  }
  return undefined;
}
