/**
 * Which URLs may stand for an Adobe endpoint (Flow Service, IMS, the I/O Management API): every
 * door checks a configured URL with {@link serviceUrlProblem}. Part of the function's contract
 * (core/contract.ts re-exports it); imports nothing, so every layer may use it.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/**
 * Why `value` cannot be an Adobe endpoint, or undefined: `https://` anywhere; plain `http://` only to loopback (the
 * local emulators).
 */
export function serviceUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || /^127(?:\.\d{1,3}){3}$/.test(url.hostname)))
    return undefined;
  return (
    'must use https:// (plain http:// is allowed only for loopback hosts such as 127.0.0.1); ' +
    `got ${url.protocol}//${url.host}`
  );
}

/** {@link serviceUrlProblem}, prefixed with the field's name. */
export function checkServiceUrl(name: string, value: string): string | undefined {
  const problem = serviceUrlProblem(value);
  return problem && `${name}: ${problem}`;
}
