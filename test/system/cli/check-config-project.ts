/**
 * The scratch project `check-config`'s system tests run the CLI in (test/system/cli/check-config*.test.ts):
 * a temporary directory for cdk.json and --config files, AWS credentials and metadata switched
 * off (the tests run offline), and a valid configuration to vary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { run } from '../../../cli/main.js';
import { PLAIN } from '../../support/index.js';

/** A valid configuration: a created role, and a GetSessionToken target (which check-config warns about). */
export const VALID = {
  stackName: 'AepS3RotatorProd',
  schedule: 'rate(15 minutes)',
  adobeCredentialsSecret: 'aep-s3-rotator/adobe-credentials',
  // Without it, synth (run from source) warns that alarm descriptions link a path of this checkout.
  runbookUrl: 'https://wiki.example.com/aep-rotator/runbook',
  targets: [
    {
      connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
      sandboxName: 'prod',
      createRole: { bucketName: 'acme-aep-landing', bucketAccount: '123456789012' },
    },
    {
      connectionId: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
      sandboxName: 'dev',
      userCredentialsSecret: 'aep-s3-rotator/dev-user',
      durationSeconds: 3600,
    },
  ],
};

/** {@link VALID} with its GetSessionToken target narrowed: GetFederationToken on one bucket. */
export const NARROWED = {
  ...VALID,
  targets: [
    VALID.targets[0],
    {
      ...VALID.targets[1],
      method: 'get-federation-token',
      bucketName: 'acme-dev-ingest',
      folderPath: 'exports',
      bucketAccount: '123456789012',
    },
  ],
};

/** What check-config says where it cannot ask Secrets Manager about the IAM-user secret (these tests run offline). */
export const UNCHECKED_NOTE = 'The resource policies of the IAM-user secrets were not checked: ';

/** Offline and without credentials, whatever the machine has: no profile, no shared files, no instance metadata. */
const HERMETIC = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
} as const;

/** What one run of the CLI printed, and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temporary project directory, and the CLI run in it. */
export interface ScratchProject {
  /** The directory (set once the file's tests start). */
  readonly dir: string;
  /** Run the CLI in the project (or `cwd`), on a terminal when `tty`, with `env` (colour off by default). */
  cli(
    argv: string[],
    options?: { cwd?: string; tty?: boolean; env?: Record<string, string | undefined> },
  ): Promise<CliResult>;
  /** Write the project's cdk.json with `rotator` as its context. */
  writeCdkJson(rotator: unknown): void;
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** A scratch project for the calling test file: made before its tests, removed after, offline meanwhile. */
export function scratchProject(): ScratchProject {
  let dir = '';
  const saved = Object.fromEntries(Object.keys(HERMETIC).map((name) => [name, process.env[name]]));
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-check-'));
    setEnv(HERMETIC);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    setEnv(saved);
  });
  return {
    get dir() {
      return dir;
    },
    async cli(argv, { cwd = dir, tty = false, env = PLAIN as Record<string, string | undefined> } = {}) {
      let stdout = '';
      let stderr = '';
      const code = await run(argv, {
        stdout: { write: (text: string) => (stdout += text), isTTY: tty },
        stderr: { write: (text: string) => (stderr += text), isTTY: tty },
        cwd,
        now: Date.now,
        env,
      });
      return { code, stdout, stderr };
    },
    writeCdkJson(rotator) {
      writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx bin/app.ts', context: { rotator } }));
    },
  };
}
