/**
 * `RotateSecret` as Secrets Manager runs it: the rotation function and rules it takes, the version
 * it makes for its token (empty, labelled `AWSPENDING`), and the function invoked once per step,
 * `createSecret`, `setSecret`, `testSecret`, `finishSecret`, after the answer. A step that fails
 * stops the rotation and leaves `AWSPENDING` where it was; the next `RotateSecret` is refused with
 * AWS's "A previous rotation isn't complete" and that rotation is attempted again, with its own token.
 *
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html,
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html
 */
import { randomUUID } from 'node:crypto';
import { ROTATION_STEPS } from '../core/adobe-secret-rotation.js';
import type { RotationRecord } from './aws-types.js';
import { optionalString, type JsonInput } from './json-protocol.js';
import {
  addPendingVersion,
  AWSCURRENT,
  AWSPENDING,
  SecretsManagerFailure,
  unfinishedRotation,
  type RotationConfig,
  type StoredSecret,
} from './secrets-manager-versions.js';

const LAMBDA_ARN = /^arn:[\w-]+:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(?::[\w$-]+)?$/;

/** How a rotation reaches its function: resolves when the step succeeded, rejects with its error. */
export type RotationInvoker = (functionArn: string, event: Record<string, string>) => Promise<unknown>;

/** `RotationRules` → how often, or a refusal. */
function rotationRules(rules: unknown): Pick<RotationConfig, 'everyDays' | 'scheduleExpression'> {
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression } = (rules ?? {}) as {
    AutomaticallyAfterDays?: unknown;
    ScheduleExpression?: unknown;
  };
  if (days !== undefined && expression !== undefined) {
    throw new SecretsManagerFailure(
      'InvalidParameterException',
      'You can specify either AutomaticallyAfterDays or ScheduleExpression, but not both.',
    );
  }
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1000) {
      throw new SecretsManagerFailure(
        'InvalidParameterException',
        'AutomaticallyAfterDays must be a whole number from 1 to 1000.',
      );
    }
    return { everyDays: days };
  }
  if (typeof expression !== 'string')
    throw new SecretsManagerFailure(
      'InvalidParameterException',
      'RotationRules needs AutomaticallyAfterDays or ScheduleExpression.',
    );
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (rate) {
    const days = rate[2]!.startsWith('day') ? Number(rate[1]) : Number(rate[1]) / 24;
    if (days < 4 / 24 || days > 1000)
      throw new SecretsManagerFailure(
        'InvalidParameterException',
        'A rotation rate must be from 4 hours to 1000 days.',
      );
    return { everyDays: days, scheduleExpression: expression };
  }
  if (/^cron\(.+\)$/.test(expression)) return { scheduleExpression: expression };
  throw new SecretsManagerFailure('InvalidParameterException', `Invalid ScheduleExpression: ${expression}`);
}

/** The rotations of one emulator's secrets: those started, those running, and how to invoke their function. */
export class Rotations {
  /** Every rotation started, oldest first. */
  readonly records: RotationRecord[] = [];
  /** Tokens of the rotations under way. */
  private readonly running = new Set<string>();
  private inFlight: Promise<unknown> = Promise.resolve();
  private invoke: RotationInvoker | undefined;

  /** @param now - the clock of the secrets' dates (the STS emulator's). */
  constructor(private readonly now: () => number) {}

  setInvoker(invoke: RotationInvoker): void {
    this.invoke = invoke;
  }

  /** Resolves when every rotation started so far (and any started meanwhile) has ended. */
  async settled(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.inFlight) {
      seen = this.inFlight;
      await seen;
    }
  }

  /** `RotateSecret`: configure, then start a rotation unless it is deferred; its answer's body. */
  rotateSecret(secret: StoredSecret, input: JsonInput): Record<string, unknown> {
    const lambdaArn = optionalString(input, 'RotationLambdaARN') ?? secret.rotation?.lambdaArn;
    if (!lambdaArn)
      throw new SecretsManagerFailure(
        'InvalidRequestException',
        'No Lambda rotation function ARN is associated with this secret.',
      );
    if (!LAMBDA_ARN.test(lambdaArn))
      throw new SecretsManagerFailure('InvalidParameterException', `Invalid RotationLambdaARN: ${lambdaArn}`);
    const rules = input.RotationRules === undefined ? secret.rotation : rotationRules(input.RotationRules);
    const unfinished = unfinishedRotation(secret);
    if (unfinished) {
      // AWS takes the label for a rotation still under way, and tries it again with its own token.
      if (!this.running.has(unfinished.id)) this.rotate(secret, unfinished.id);
      throw new SecretsManagerFailure(
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    secret.rotation = { lambdaArn, everyDays: rules?.everyDays, scheduleExpression: rules?.scheduleExpression };
    secret.rotationEnabled = true;
    if (input.RotateImmediately === false) return { ARN: secret.arn, Name: secret.name };
    const token = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    if (secret.versions.has(token)) {
      throw new SecretsManagerFailure(
        'InvalidRequestException',
        `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ` +
          `${secret.arn}.`,
      );
    }
    // A finished rotation may have left AWSPENDING on the current version: the new one takes it.
    addPendingVersion(secret, token, this.now());
    this.rotate(secret, token);
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  /** Invoke the rotation function for each step of `token`'s rotation, in order; the first failure stops it. */
  private rotate(secret: StoredSecret, token: string): void {
    const record: RotationRecord = {
      secretArn: secret.arn,
      token,
      startedAt: Date.now(),
      steps: [],
      outcome: 'running',
    };
    this.records.push(record);
    this.running.add(token);
    const run = (async () => {
      for (const step of ROTATION_STEPS) {
        try {
          if (!this.invoke)
            throw new Error('no rotation function can be invoked: the emulator has no invoker (setRotationInvoker)');
          await this.invoke(secret.rotation!.lambdaArn, {
            Step: step,
            SecretId: secret.arn,
            ClientRequestToken: token,
          });
          record.steps.push({ step, ok: true });
        } catch (error) {
          record.steps.push({ step, ok: false, error: (error as Error).message });
          record.outcome = 'failed';
          return;
        }
      }
      const version = secret.versions.get(token);
      // A rotation is complete when AWSCURRENT is on its version; AWSPENDING may then be dropped.
      if (version?.stages.has(AWSCURRENT)) {
        version.stages.delete(AWSPENDING);
        secret.lastRotatedDate = this.now();
        record.outcome = 'succeeded';
      } else {
        record.steps.push({
          step: 'finishSecret',
          ok: false,
          error: `the function returned, but ${AWSCURRENT} is not on version ${token}`,
        });
        record.outcome = 'failed';
      }
    })().finally(() => this.running.delete(token));
    this.inFlight = Promise.all([this.inFlight, run]);
  }
}
