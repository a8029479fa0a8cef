/**
 * The versions and staging labels of one Secrets Manager secret, as the service keeps them: each
 * label on at most one version, `AWSCURRENT` never removed (only moved, leaving `AWSPREVIOUS` on
 * the version it left), a version's value written once, and a version without a value (what
 * `RotateSecret` creates for its token) answering "not found" until one is put.
 *
 * Pure: the Secrets Manager emulator (secrets-manager.ts) turns each {@link SecretsManagerFailure}
 * into AWS's error answer.
 *
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html#term_version,
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
 */
import { randomUUID } from 'node:crypto';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

/** One version: its value (undefined until put) and its labels. */
export interface SecretVersion {
  readonly id: string;
  value?: string;
  readonly stages: Set<string>;
  /** Epoch ms. */
  readonly createdDate: number;
}

/** How a secret rotates, once `RotateSecret` configured it. */
export interface RotationConfig {
  readonly lambdaArn: string;
  /** Days between rotations (`AutomaticallyAfterDays`, or `rate(N days)`). */
  readonly everyDays?: number;
  /** As given: `rate(30 days)`, `cron(...)`; undefined when given as days. */
  readonly scheduleExpression?: string;
}

/** A secret: its identity, dates (epoch ms) and versions. */
export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  lastRotatedDate?: number;
  rotationEnabled: boolean;
  rotation?: RotationConfig;
  /** The resource policy (JSON text), when one was put. */
  resourcePolicy?: string;
  readonly versions: Map<string, SecretVersion>;
}

/** A refusal, with AWS's error type and message. */
export class SecretsManagerFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (message: string) => new SecretsManagerFailure('ResourceNotFoundException', message);
const invalidParameter = (message: string) => new SecretsManagerFailure('InvalidParameterException', message);

export function newSecret(arn: string, name: string, value: string, now: number): StoredSecret {
  const secret: StoredSecret = {
    arn,
    name,
    createdDate: now,
    lastChangedDate: now,
    rotationEnabled: false,
    versions: new Map(),
  };
  putValue(secret, { value, now });
  return secret;
}

/** The version a label is on, if any. */
export function versionWithStage(secret: StoredSecret, stage: string): SecretVersion | undefined {
  return [...secret.versions.values()].find((version) => version.stages.has(stage));
}

/** `VersionIdsToStages`: only labelled versions (the others are deprecated, as AWS lists them). */
export function versionIdsToStages(secret: StoredSecret): Record<string, string[]> {
  return Object.fromEntries(
    [...secret.versions.values()]
      .filter((version) => version.stages.size > 0)
      .map((version) => [version.id, [...version.stages]]),
  );
}

/**
 * Attach `stage` to `version`, taking it from whichever version has it; moving `AWSCURRENT` leaves
 * `AWSPREVIOUS` on the version it left (and takes it from wherever it was).
 */
function attach(secret: StoredSecret, version: SecretVersion, stage: string): void {
  const holder = versionWithStage(secret, stage);
  if (holder === version) return;
  holder?.stages.delete(stage);
  version.stages.add(stage);
  if (stage === AWSCURRENT && holder) {
    versionWithStage(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
    holder.stages.add(AWSPREVIOUS);
  }
}

/**
 * GetSecretValue's choice of version: by id, by label (`AWSCURRENT` when neither is given), or by
 * both, which must agree. A version without a value is not found, as AWS answers during a rotation.
 */
export function readValue(
  secret: StoredSecret,
  { versionId, stage }: { versionId?: string; stage?: string },
): SecretVersion & { value: string } {
  let version: SecretVersion | undefined;
  if (versionId !== undefined) {
    version = secret.versions.get(versionId);
    if (!version || (stage !== undefined && !version.stages.has(stage))) {
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    }
  } else {
    version = versionWithStage(secret, stage ?? AWSCURRENT);
    if (!version)
      throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${stage ?? AWSCURRENT}`);
  }
  if (version.value === undefined) {
    throw notFound(
      versionId !== undefined
        ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
        : `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
    );
  }
  return version as SecretVersion & { value: string };
}

/**
 * PutSecretValue: a new version (or the value of the empty version `token` names), labelled
 * `stages` (default `AWSCURRENT`). The same token with the same value again changes nothing; with
 * another value it is refused: a version's value is never changed.
 */
export function putValue(
  secret: StoredSecret,
  { token, value, stages, now }: { token?: string; value: string; stages?: readonly string[]; now: number },
): SecretVersion {
  const labels = stages ?? [AWSCURRENT];
  const existing = token === undefined ? undefined : secret.versions.get(token);
  if (existing?.value !== undefined) {
    if (existing.value !== value)
      throw new SecretsManagerFailure(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version.",
      );
    return existing;
  }
  const version = existing ?? { id: token ?? randomUUID(), stages: new Set<string>(), createdDate: now };
  version.value = value;
  secret.versions.set(version.id, version);
  for (const stage of labels) attach(secret, version, stage);
  secret.lastChangedDate = now;
  return version;
}

/** An empty version labelled `AWSPENDING`, as `RotateSecret` makes one for its token. */
export function addPendingVersion(secret: StoredSecret, token: string, now: number): SecretVersion {
  const version: SecretVersion = { id: token, stages: new Set(), createdDate: now };
  secret.versions.set(token, version);
  attach(secret, version, AWSPENDING);
  return version;
}

/**
 * UpdateSecretVersionStage: move `stage` to `moveTo` and/or remove it from `removeFrom`. A label
 * already on another version must be named in `removeFrom`; `AWSCURRENT` can only be moved.
 */
export function updateStage(
  secret: StoredSecret,
  { stage, moveTo, removeFrom }: { stage: string; moveTo?: string; removeFrom?: string },
  now: number,
): void {
  for (const id of [moveTo, removeFrom]) {
    if (id !== undefined && !secret.versions.has(id))
      throw notFound(`Secrets Manager can't find the specified secret version: ${id}`);
  }
  const holder = versionWithStage(secret, stage);
  if (moveTo === undefined) {
    if (stage === AWSCURRENT) {
      throw invalidParameter(
        `You can only move staging label ${AWSCURRENT} to a different secret version. It can't be completely removed.`,
      );
    }
    if (removeFrom === undefined)
      throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
    if (holder?.id !== removeFrom)
      throw invalidParameter(`Staging label ${stage} is not attached to version ${removeFrom}.`);
    holder.stages.delete(stage);
    secret.lastChangedDate = now;
    return;
  }
  if (holder && holder.id !== moveTo && holder.id !== removeFrom) {
    throw invalidParameter(
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ` +
        `${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  attach(secret, secret.versions.get(moveTo)!, stage);
  secret.lastChangedDate = now;
}

/** The version a rotation left `AWSPENDING` on, when it is not also `AWSCURRENT`: that rotation is not complete. */
export function unfinishedRotation(secret: StoredSecret): SecretVersion | undefined {
  const pending = versionWithStage(secret, AWSPENDING);
  return pending && !pending.stages.has(AWSCURRENT) ? pending : undefined;
}

/** When the next rotation is due (epoch ms): the last rotation (or the secret's creation) plus the interval. */
export function nextRotationDate(secret: StoredSecret): number | undefined {
  const days = secret.rotationEnabled ? secret.rotation?.everyDays : undefined;
  if (days === undefined) return undefined;
  return (secret.lastRotatedDate ?? secret.createdDate) + days * 86_400_000;
}
