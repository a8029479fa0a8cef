/**
 * `rotate-adobe-secret`: rotate the Adobe client secret now, through Secrets Manager (`RotateSecret`),
 * and wait for it, reporting each step as the rotation function logs it. The operator's own AWS
 * credentials start it and read the log; the secret's value is never read or printed.
 */
import type { CommandOptions } from '../args.js';
import {
  describeAdobeSecretRotation,
  rotationSteps,
  startAdobeSecretRotation,
  waitForAdobeSecretRotation,
  type RotationOutcome,
  type RotationStepLine,
} from '../adobe-secret-rotation.js';
import { openDeployment } from '../context.js';
import { suggest } from '../deployment.js';
import { EnvironmentError, EXIT } from '../errors.js';
import {
  formatClock,
  painterFor,
  printJson,
  Progress,
  renderTable,
  TABLE_WIDTH,
  wantsJson,
  wrap,
  type Io,
} from '../output.js';

/** Log lines and the local clock may disagree by a few seconds: read a little before the start. */
const CLOCK_MARGIN_MS = 5_000;

export async function rotateAdobeSecretCommand(options: CommandOptions, io: Io): Promise<number> {
  // The deployment's own secret (the function's ADOBE_CREDENTIALS_SECRET_ID), and its rotation's log group (a tag).
  const { deployment, aws, config } = await openDeployment(options, io);
  const secretId = config?.adobeCredentialsSecret?.secretId ?? deployment.adobeCredentialsSecretId;
  if (!secretId)
    throw new EnvironmentError(
      `Function ${deployment.functionName} names no Adobe credentials secret (ADOBE_CREDENTIALS_SECRET_ID).`,
    );
  const logGroupName = deployment.adobeSecretRotationLogGroupName;

  const since = io.now() - CLOCK_MARGIN_MS;
  // An unfinished rotation is attempted again under its own token: its earlier lines are not this attempt's.
  const pending = (await describeAdobeSecretRotation(secretId, aws)).pendingVersionId;
  const earlier = pending && logGroupName ? await rotationSteps(logGroupName, pending, since, aws).catch(() => []) : [];
  const { token, retried } = await startAdobeSecretRotation(secretId, aws);
  const json = wantsJson(io, options.json);
  const progress = new Progress(io);
  const paint = painterFor(io, 'stdout');
  if (!json) {
    io.stdout.write(
      retried
        ? `A previous rotation of ${secretId} was not finished: Secrets Manager is attempting it again (version ` +
            `${token}).\n`
        : `Rotating ${secretId}: Secrets Manager started version ${token}.\n`,
    );
  }
  progress.update('waiting for the rotation function…');
  let outcome: RotationOutcome;
  try {
    outcome = await waitForAdobeSecretRotation({
      ...aws,
      secretId,
      token,
      logGroupName,
      since,
      earlier,
      now: io.now,
      onStep: (line) => {
        if (json) return;
        progress.done();
        io.stdout.write(`${stepText(line, paint)}\n`);
        progress.update('waiting for the rotation function…');
      },
    });
  } finally {
    progress.done();
  }
  const status = outcome.outcome === 'succeeded' ? await describeAdobeSecretRotation(secretId, aws) : outcome.status;
  const ok = outcome.outcome === 'succeeded';
  if (json) {
    printJson(io, {
      ok,
      secretId,
      token,
      retried,
      outcome: outcome.outcome,
      steps: outcome.steps,
      ...(outcome.logUnavailable ? { logUnavailable: outcome.logUnavailable } : {}),
      ...(status.lastRotatedDate ? { lastRotatedDate: status.lastRotatedDate } : {}),
      ...(status.nextRotationDate ? { nextRotationDate: status.nextRotationDate } : {}),
    });
    return ok ? EXIT.OK : EXIT.FAILED;
  }
  const summary = summaryOf(outcome, token, io.now(), options);
  const painted = ok ? summary.replace('OK', paint('OK', 'ok')) : summary.replace('NOT OK', paint('NOT OK', 'failure'));
  io.stdout.write(`\n${painted}\n`);
  if (outcome.steps.length > 0 && !ok) {
    const table = renderTable(
      ['STEP', 'OUTCOME', { header: 'DETAIL', shrinkTo: 30 }],
      outcome.steps.map((line) => [
        line.step,
        { text: line.ok ? 'ok' : 'FAILED', tone: line.ok ? 'ok' : 'failure' },
        line.ok ? line.detail : line.error,
      ]),
      { paint },
    );
    io.stdout.write(`\n${table.text}\n`);
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}

/** `createSecret  ok      added client secret … at Adobe …`, as each step is logged. */
function stepText(line: RotationStepLine, paint: (text: string, tone: 'ok' | 'failure' | undefined) => string): string {
  const outcome = line.ok ? paint('ok', 'ok') : paint('FAILED', 'failure');
  const words = line.ok ? (line.detail ?? '') : `${line.errorCode ? `${line.errorCode}: ` : ''}${line.error ?? ''}`;
  return wrap(`  ${line.step.padEnd(12)} ${outcome}${' '.repeat(line.ok ? 5 : 1)}${words}`, TABLE_WIDTH, 20);
}

/** The last words: what holds now, and what to do. */
function summaryOf(outcome: RotationOutcome, token: string, now: number, options: CommandOptions): string {
  const { status } = outcome;
  const next = status.nextRotationDate
    ? ` Next rotation: ${formatClock(status.nextRotationDate, now) ?? status.nextRotationDate}.`
    : '';
  const noLog = outcome.logUnavailable ? ` (The steps are not shown: ${outcome.logUnavailable}.)` : '';
  switch (outcome.outcome) {
    case 'succeeded':
      return wrap(
        `OK: AWSCURRENT now holds the new client secret (version ${token}), and the old one is deleted at ` +
          `Adobe.${next}${noLog}`,
        TABLE_WIDTH,
        2,
      );
    case 'failed': {
      const failed = outcome.steps.find((line) => !line.ok)!;
      const again = `\`${suggest('rotate-adobe-secret', options)}\``;
      const state =
        status.currentVersionId === token
          ? `AWSCURRENT holds the new secret, which works; the old one is still at Adobe, and ${again} ` +
            'starts the next rotation, whose createSecret deletes it'
          : `AWSCURRENT still holds the old secret, which works; fix the cause, then ${again} ` +
            'attempts this rotation again';
      return wrap(
        `NOT OK: the rotation failed at ${failed.step}: ${state} (docs/RUNBOOK.md, "Rotating the Adobe client ` +
          'secret").',
        TABLE_WIDTH,
        2,
      );
    }
    case 'timed-out':
      return wrap(
        `NOT OK: the rotation (version ${token}) has not finished; AWSPENDING stays on it until it does. ` +
          `The rotation function's log has each step.${noLog}`,
        TABLE_WIDTH,
        2,
      );
  }
}
