/**
 * How the targets reach the function: `ROTATION_TARGETS` in its environment while the list surely
 * fits Lambda's 4 KB, else a JSON file written at synth and bundled with the code
 * (`ROTATION_TARGETS_FILE`). Either way each entry is what `toTargetEntry` (core/contract.ts) makes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Annotations, Duration, Stack, Stage, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import { DEFAULT_DURATION_SECONDS, toTargetEntry, type FunctionTargetEntry } from '../../core/contract.js';
import { normalizeFolderPath } from '../../core/session-policy.js';
import {
  adobeCheckOffWarning,
  createdRoleInFileProblem,
  createdRoleScopeFits,
  createdRolesWithoutScope,
  decideTargetsDelivery,
} from '../../core/targets-delivery-rules.js';
import { S3CredentialRotatorValidationError, TargetsDelivery } from './props.js';
import { secretIdOf } from './secrets.js';
import type { CheckedTarget } from './validate-props.js';

/** Where a bundled targets file sits in the deployment package: Lambda unpacks it in /var/task. */
export const TARGETS_FILE_NAME = 'rotation-targets.json';
export const TARGETS_FILE_PATH = `/var/task/${TARGETS_FILE_NAME}`;
export { MAX_TARGETS_ENV_BYTES } from '../../core/targets-delivery-rules.js';

// The enum lives with the props that name it (props.ts), so props.ts imports nothing from here.
export { TargetsDelivery } from './props.js';

/** How the targets travel, decided. */
export interface DeliveredTargets {
  readonly delivery: TargetsDelivery.ENVIRONMENT | TargetsDelivery.FILE;
  /** The entries (with deploy-time values still as tokens), for `ROTATION_TARGETS`. */
  readonly entries: FunctionTargetEntry[];
  /** With FILE: the file written at synth, which bundling copies next to the code. */
  readonly file?: string;
  /** The connections whose created role travels without its bucket and folder (`createdRolesWithoutScope`). */
  readonly withoutScope: string[];
  /**
   * Whether Adobe's check is off for `withoutScope`'s connections alone (their entries say so), or,
   * for a list that fits the environment only without those flags, must be off for every connection.
   */
  readonly adobeCheckOff: 'connections' | 'all';
}

/**
 * Decide how the targets travel and, for a file, write it. AUTO keeps a list in the environment
 * when it fits; a list that fitted before created roles' sessions were narrowed keeps fitting
 * there (those fields only repeat what the created role already allows, and a bundled file would
 * need every created role's ARN at synth: a roleName, an account).
 *
 * @param verifyWithAdobe the function checks with Adobe after each PATCH: the entries of created
 * roles without their bucket then say `verifyWithAdobe: false`, and only theirs.
 */
export function deliverTargets(
  scope: Construct,
  requested: TargetsDelivery,
  targets: readonly CheckedTarget[],
  createdRoles: ReadonlyMap<string, iam.Role>,
  verifyWithAdobe = true,
): DeliveredTargets {
  const list = (narrowCreatedRoles: boolean, flagged: boolean) =>
    targets.map((target) => functionTargetEntry(target, createdRoles, narrowCreatedRoles, flagged && verifyWithAdobe));
  const candidates = {
    narrowed: { flagged: list(true, true), unflagged: list(true, false) },
    unnarrowed: { flagged: list(false, true), unflagged: list(false, false) },
  };
  // The rule check-config applies too (core/targets-delivery-rules.ts), with tokens counted at their longest.
  const decision = decideTargetsDelivery(requested, candidates, (value) => Token.isUnresolved(value));
  const entries = (decision.narrowCreatedRoles ? candidates.narrowed : candidates.unnarrowed)[
    decision.flagged ? 'flagged' : 'unflagged'
  ];
  const withoutScope = createdRolesWithoutScope(
    targets.map(({ props }) => props),
    entries,
  );
  const adobeCheckOff = decision.flagged ? 'connections' : 'all';
  return decision.delivery === 'file'
    ? {
        delivery: TargetsDelivery.FILE,
        entries,
        file: writeTargetsFile(scope, entries, targets),
        withoutScope,
        adobeCheckOff,
      }
    : { delivery: TargetsDelivery.ENVIRONMENT, entries, withoutScope, adobeCheckOff };
}

/**
 * Where the function checks with Adobe after a PATCH. Adobe's check of a created role travelling
 * without its folder would fail falsely: off for that connection (for every one in a list that fits
 * the environment only as before), with a warning at synth.
 * @param connectionIds every target's connection, in order.
 */
export function adobeCheckOf(
  scope: Construct,
  { withoutScope, adobeCheckOff }: DeliveredTargets,
  verifyWithAdobe: boolean,
  connectionIds: readonly string[],
): { readonly verifiesWithAdobe: boolean; readonly connectionsWithoutAdobeCheck: readonly string[] } {
  if (verifyWithAdobe && withoutScope.length > 0) {
    Annotations.of(scope).addWarningV2(
      'aep-s3-rotator:adobe-check-off',
      `verifyWithAdobe: ${adobeCheckOffWarning(withoutScope, adobeCheckOff)}`,
    );
  }
  const verifiesWithAdobe = verifyWithAdobe && (withoutScope.length === 0 || adobeCheckOff === 'connections');
  return { verifiesWithAdobe, connectionsWithoutAdobeCheck: verifiesWithAdobe ? withoutScope : [...connectionIds] };
}

/**
 * The function's entry for a target. Its bucket, folder and bucket owner go with it so the function
 * narrows the session: the target's own, or a created role's (`narrowCreatedRoles`; skipped when
 * the policy might not fit STS's limit, since the created role allows no more than that anyway).
 * A created role without them gets `verifyWithAdobe: false` when `flagUnverifiable`: Adobe could
 * not list its bucket's root.
 */
function functionTargetEntry(
  { props: target, method, durationSeconds }: CheckedTarget,
  createdRoles: ReadonlyMap<string, iam.Role>,
  narrowCreatedRoles: boolean,
  flagUnverifiable: boolean,
): FunctionTargetEntry {
  let scope: { bucketName?: string; folderPath?: string; bucketAccount?: string } = {
    bucketName: target.bucketName,
    folderPath: target.folderPath,
    bucketAccount: target.bucketAccount,
  };
  if (target.createRole) {
    const { bucketName, folderPath, bucketAccount } = target.createRole;
    scope =
      narrowCreatedRoles && createdRoleScopeFits(target.createRole, (value) => Token.isUnresolved(value))
        ? { bucketName, folderPath, bucketAccount }
        : {};
  }
  const folderPath =
    scope.folderPath === undefined || Token.isUnresolved(scope.folderPath)
      ? scope.folderPath
      : normalizeFolderPath(scope.folderPath);
  return toTargetEntry({
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    method,
    roleArn: target.roleArn ?? createdRoles.get(target.connectionId)?.roleArn,
    externalId: target.externalId,
    userCredentialsSecretId: target.userCredentialsSecret && secretIdOf(target.userCredentialsSecret),
    durationSeconds: durationSeconds ?? (target.duration ?? Duration.seconds(DEFAULT_DURATION_SECONDS)).toSeconds(),
    bucketName: scope.bucketName,
    folderPath: scope.bucketName ? folderPath : undefined,
    bucketAccount: scope.bucketName ? scope.bucketAccount : undefined,
    ...(flagUnverifiable && target.createRole && !scope.bucketName ? { verifyWithAdobe: false } : {}),
  });
}

/**
 * Resolve the entries now (the file is written at synth) and write them where the bundling
 * step copies them from. The file name carries the content hash, so a different list is a
 * different bundling command, never a stale copy.
 */
function writeTargetsFile(
  scope: Construct,
  entries: readonly FunctionTargetEntry[],
  targets: readonly CheckedTarget[],
): string {
  const stack = Stack.of(scope);
  const problems: string[] = [];
  const resolved = entries.map((entry, index) => {
    const options = targets[index]!.props.createRole;
    if (options) {
      // A created role's ARN is a deploy-time value; with a fixed name and a known account it can be computed.
      const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
      if (!options.roleName || Token.isUnresolved(stack.account) || !partition) {
        problems.push(createdRoleInFileProblem(index));
        return entry;
      }
      entry = { ...entry, roleArn: `arn:${partition}:iam::${stack.account}:role/${options.roleName}` };
    }
    for (const [field, value] of Object.entries(entry)) {
      if (Token.isUnresolved(value)) {
        problems.push(
          `targets[${index}].${field === 'userCredentialsSecretId' ? 'userCredentialsSecret' : field}: ` +
            'is only known at deploy time, but the targets go to a bundled file written at synth; ' +
            'use a literal value (e.g. import the secret by name or complete ARN)',
        );
      }
    }
    return entry;
  });
  if (problems.length > 0) throw new S3CredentialRotatorValidationError(problems, scope.node.path);
  const content = `${JSON.stringify(resolved, null, 2)}\n`;
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  // Beside the cloud assembly it feeds (cdk.out), not in a shared temporary directory.
  const file = join(
    Stage.of(scope)?.outdir ?? tmpdir(),
    'rotator-targets',
    `${TARGETS_FILE_NAME.replace(/\.json$/, '')}-${hash}.json`,
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** A shell command copying `from` to `to` (local bundling runs commands with bash, or cmd on Windows). */
export function copyCommand(from: string, to: string): string {
  return process.platform === 'win32' ? `copy /Y "${from}" "${to}"` : `cp "${from}" "${to}"`;
}
