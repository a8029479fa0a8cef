/**
 * docs/RUNBOOK.md, "Rehearse an incident offline", run as written: every command of its `sh`
 * blocks, in order, against the sandbox `npm run sandbox` starts (in this process). The runbook's
 * comments say what to expect after each command (`exit N` and words of its output, in backticks);
 * this test holds it to that (a `$NAME` in them is the sandbox's variable, as in the commands). A
 * command the test does not know fails it, so the walkthroughs and the test cannot drift apart.
 *
 * - `npx aep-s3-rotator ...` runs through `run()` from cli/main.ts, on a terminal without colour;
 * - `npm run sandbox -- fault|fault clear [<name>]|run` does what the control endpoint would (the sandbox's own
 *   methods);
 * - `aws secretsmanager put-secret-value` is the same PutSecretValue, through the SDK.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import { describeRun, startSandbox, type Sandbox } from '../../../emulators/sandbox.js';
import { findSecrets, FAST_HTTP_POLICY } from '../../support/index.js';

const RUNBOOK = readFileSync(new URL('../../../docs/RUNBOOK.md', import.meta.url), 'utf8');

interface Step {
  readonly line: string;
  readonly argv: string[];
  readonly exitCode?: number;
  /** Words the output must contain (the comment's backticked fragments). */
  readonly expects: string[];
}

/** The section's `sh` blocks: one list of steps per `###` rehearsal (the text before the first is the start). */
function walkthroughs(): Array<{ title: string; steps: Step[] }> {
  const section = RUNBOOK.slice(RUNBOOK.indexOf('## Rehearse an incident offline'));
  const body = section.slice(0, section.indexOf('\n## ', 3) > 0 ? section.indexOf('\n## ', 3) : undefined);
  return body.split(/\n### /).map((part, index) => ({
    title: index === 0 ? 'Start, and a first scheduled run' : part.slice(0, part.indexOf('\n')),
    steps: [...part.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
      block[1]!
        .split('\n')
        .filter((line) => line.trim())
        .map((line): Step => {
          const [, command, comment = ''] = /^(.*?)(?:\s+#\s(.*))?$/.exec(line)!;
          const exit = /^exit (\d)/.exec(comment);
          return {
            line,
            argv: shellWords(command!),
            ...(exit ? { exitCode: Number(exit[1]) } : {}),
            expects: [...comment.matchAll(/`([^`]+)`/g)].map((match) => match[1]!),
          };
        }),
    ),
  }));
}

/** Words as a POSIX shell splits them; `$NAME` (outside single quotes) is marked for {@link expand}. */
function shellWords(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map(
    ([, double, single, bare]) => single?.replaceAll('$', '\u0000') ?? double ?? bare!,
  );
}

/** `$NAME` from the sandbox's variables, as the shell that sourced them would expand it. */
function expand(word: string, variables: Readonly<Record<string, string>>): string {
  return word.replace(/\$([A-Z_]+)/g, (whole, name: string) => variables[name] ?? whole).replaceAll('\u0000', '$');
}

let sandbox: Sandbox;
let cwd: string;
const printed: string[] = [];

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-rehearsal-'));
  // As `npm run sandbox -- --config sandbox.json` in the project directory; runs only when the runbook says so.
  sandbox = await startSandbox({ configFile: join(cwd, 'sandbox.json'), everyMs: 0, httpPolicy: FAST_HTTP_POLICY });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(cwd, { recursive: true, force: true });
});

/** Run one documented command; resolves with its exit code (0 for the sandbox's own) and everything it printed. */
async function perform(step: Step): Promise<{ code: number; output: string }> {
  const [program, ...args] = step.argv.map((word) => expand(word, sandbox.variables));
  if (program === 'npx' && args[0] === 'aep-s3-rotator') {
    let output = '';
    const write = (text: string) => (output += text);
    const code = await run(args.slice(1), {
      stdout: { write, isTTY: true },
      stderr: { write, isTTY: true },
      cwd,
      now: Date.now,
      env: { NO_COLOR: '1' },
    });
    return { code, output };
  }
  if (program === 'npm' && args[0] === 'run' && args[1] === 'sandbox' && args[2] === '--') {
    const [command, name, option, connection] = args.slice(3);
    if (command === '--config') return { code: name === 'sandbox.json' ? 0 : 2, output: `started with ${name}` };
    if (command === 'run') {
      const scheduled = await sandbox.runScheduled();
      return {
        code: 0,
        output: scheduled ? `scheduled run: ${describeRun(scheduled)}` : 'the schedule is DISABLED: no run',
      };
    }
    if (command === 'fault' && name === 'clear')
      return { code: 0, output: option === undefined ? sandbox.clearFaults() : sandbox.clearFault(option) };
    if (command === 'fault' && (option === undefined || option === '--connection'))
      return { code: 0, output: await sandbox.injectFault(name!, connection) };
  }
  if (
    program === 'aws' &&
    args.slice(0, 2).join(' ') === 'secretsmanager put-secret-value' &&
    args[2] === '--secret-id' &&
    args[4] === '--secret-string'
  ) {
    const client = new SecretsManagerClient({});
    try {
      const secretString = readFileSync(args[5]!.replace(/^file:\/\//, ''), 'utf8');
      await client.send(new PutSecretValueCommand({ SecretId: args[3], SecretString: secretString }));
      return { code: 0, output: '' };
    } finally {
      client.destroy();
    }
  }
  throw new Error(`the runbook's rehearsal has a command this test does not know: ${step.line}`);
}

describe('docs/RUNBOOK.md, "Rehearse an incident offline"', () => {
  const documented = walkthroughs();

  it('has the walkthroughs this test runs (start, incidents, expiry, Adobe secret, ingestion, revoke)', () => {
    expect(documented.map((walkthrough) => walkthrough.title)).toEqual([
      'Start, and a first scheduled run',
      'Rehearsal 1: a connection whose PATCH is refused (`ConnectionFailingAlarm`)',
      "Rehearsal 2: a 412 storm from someone else's edits, that connection paused while you find them",
      'Rehearsal 3: IMS 401 after a client-secret rotation (`ErrorsAlarm`)',
      'Also: credentials that expired in a connection',
      "Rehearsal 4: the Adobe client secret's rotation (`AdobeSecretRotationFailedAlarm`)",
      'Rehearsal 5: ingestion that breaks, and a connection nobody rotates',
      'Rehearsal 6: leaked credentials (`revoke`)',
    ]);
    for (const walkthrough of documented) expect(walkthrough.steps.length).toBeGreaterThan(1);
  });

  // One test per walkthrough, in the runbook's order: each starts where the one before ended.
  for (const walkthrough of documented) {
    it(`${walkthrough.title}: every command ends as the runbook says`, async () => {
      for (const step of walkthrough.steps) {
        const { code, output } = await perform(step);
        printed.push(output);

        expect({ command: step.line, code }).toEqual({ command: step.line, code: step.exitCode ?? 0 });
        for (const words of step.expects)
          expect(output.replace(/\s+/g, ' '), step.line).toContain(expand(words, sandbox.variables));
      }
    });
  }

  it('printed no secret in any of it, not even the new client secret', () => {
    const newSecret = (JSON.parse(readFileSync(sandbox.variables.NEW_CREDENTIALS!, 'utf8')) as { clientSecret: string })
      .clientSecret;
    const secrets = [
      ...sandbox.world.secretValues(),
      newSecret,
      sandbox.env.AWS_SECRET_ACCESS_KEY!,
      sandbox.env.AWS_SESSION_TOKEN!,
    ];

    expect(printed.length).toBeGreaterThan(30);
    expect(findSecrets(printed.join('\n'), secrets)).toEqual([]);
  });
});
