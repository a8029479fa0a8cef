/**
 * Captures everything a run prints: process.stdout/stderr writes (Powertools Logger and Metrics
 * write there) and every console method (which vitest otherwise intercepts).
 */
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

export interface Capture {
  /** All captured text so far. */
  text(): string;
  /** Parsed JSON lines (Powertools log lines and EMF metric documents). */
  jsonLines(): Array<Record<string, unknown>>;
  restore(): void;
}

export function captureOutput(options: { echo?: boolean } = {}): Capture {
  const chunks: string[] = [];
  const originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
    console: Object.fromEntries(CONSOLE_METHODS.map((method) => [method, console[method]])),
  };
  const intercept = (original: typeof process.stdout.write) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return options.echo ? (original as (...args: unknown[]) => boolean)(chunk, ...rest) : true;
    }) as typeof process.stdout.write;
  process.stdout.write = intercept(originals.stdout);
  process.stderr.write = intercept(originals.stderr);
  for (const method of CONSOLE_METHODS) {
    console[method] = (...args: unknown[]) => {
      chunks.push(`${args.map((arg) => (typeof arg === 'string' ? arg : safeStringify(arg))).join(' ')}\n`);
    };
  }
  return {
    text: () => chunks.join(''),
    jsonLines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return {};
          }
        }),
    restore() {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
      for (const method of CONSOLE_METHODS) console[method] = originals.console[method] as (...args: unknown[]) => void;
    },
  };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return serializeError(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * An error as Lambda's Node.js runtime reports it (errorType, errorMessage, trace), plus every
 * own property and the whole `cause` chain, so a secret hiding anywhere in it is found.
 */
export function serializeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 10) return String(error);
  const own: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    if (key === 'cause') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    own[key] = typeof value === 'object' ? safeJson(value) : value;
  }
  const lambdaShape = { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') };
  const cause = error.cause === undefined ? '' : ` cause: ${serializeError(error.cause, depth + 1)}`;
  return `${JSON.stringify(lambdaShape)} ${safeJson(own)}${cause}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The secrets that appear in `text` (expected: none). */
export function findSecrets(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret.length > 0 && text.includes(secret));
}
