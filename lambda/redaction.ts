/**
 * Every secret value the function learns is registered the moment it is obtained, and every message
 * that can leave the function passes through a {@link Redactor}. The code never logs secrets on
 * purpose; this catches the ones a remote service might echo back in an error body.
 *
 * Two scopes, kept apart on purpose:
 * - The container's ({@link registerSecret}, {@link redactSecrets}): the Adobe client secret, the
 *   IAM-user secret keys and the cached IMS token, which outlive an invocation. Module-level, so
 *   that every error is scrubbed of them as it is built (`errors.ts`), wherever that is.
 * - An invocation's ({@link invocationRedactor}, held by its session): the credentials it mints.
 *   They go with the session, so a warm container does not accumulate every key it ever minted,
 *   and overlapping invocations never forget each other's. The session's redactor scrubs the
 *   container's secrets too; it is applied where the invocation's words are made (Flow Service
 *   error details, each connection's result, the handler's log line).
 */

/** Shortest value worth redacting: shorter strings would mangle ordinary words. */
const MIN_SECRET_LENGTH = 8;

/** A set of secret values, and text with each of them replaced by `[REDACTED]`. */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** @param parent a redactor whose secrets this one scrubs as well (the container's, for an invocation's). */
  constructor(private readonly parent?: Redactor) {}

  /** Remember a secret so it is scrubbed from any message built later. */
  register(value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  /** Replace every registered secret (the parent's first) in `text` with `[REDACTED]`. */
  redact(text: string): string {
    let result = this.parent ? this.parent.redact(text) : text;
    for (const secret of this.secrets) {
      if (result.includes(secret)) result = result.split(secret).join('[REDACTED]');
    }
    return result;
  }
}

const container = new Redactor();

/** Remember a secret that outlives the invocation (the Adobe client secret, IAM-user keys, the IMS token). */
export function registerSecret(value: string | undefined): void {
  container.register(value);
}

/** Replace every secret of the container in `text` with `[REDACTED]`. */
export function redactSecrets(text: string): string {
  return container.redact(text);
}

/** A redactor for one invocation's own secrets (what it mints), that scrubs the container's too. */
export function invocationRedactor(): Redactor {
  return new Redactor(container);
}
