/**
 * Every secret value the function learns (Adobe client secret, IMS access token, IAM-user secret
 * key, minted secret keys and session tokens) is registered here the moment it is obtained, and
 * every error message passes through {@link redactSecrets}. The code never logs secrets on
 * purpose; this catches the ones a remote service might echo back in an error body.
 */
const longLived = new Set<string>();
const perInvocation = new Set<string>();

/** Shortest value worth redacting: shorter strings would mangle ordinary words. */
const MIN_SECRET_LENGTH = 8;

/**
 * Remember a secret so it is scrubbed from any message built later.
 * `scope: 'invocation'` is for minted credentials, forgotten by {@link forgetInvocationSecrets}
 * so a warm container does not accumulate every key it ever minted.
 */
export function registerSecret(value: string | undefined, scope: 'container' | 'invocation' = 'container'): void {
  if (value && value.length >= MIN_SECRET_LENGTH) (scope === 'container' ? longLived : perInvocation).add(value);
}

/** Called at the end of each invocation: minted credentials are in Flow Service (or discarded) by then. */
export function forgetInvocationSecrets(): void {
  perInvocation.clear();
}

/** Replace every registered secret in `text` with `[REDACTED]`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const set of [longLived, perInvocation]) {
    for (const secret of set) {
      if (result.includes(secret)) result = result.split(secret).join('[REDACTED]');
    }
  }
  return result;
}
