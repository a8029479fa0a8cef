/**
 * How the targets reach the function, decided by the construct at synth (over props that may hold
 * tokens; `check-config` runs the same synth): in
 * `ROTATION_TARGETS` while the list surely fits Lambda's 4 KB environment, else in a JSON file
 * bundled with the code, which is written at synth and so must hold no deploy-time value.
 */
import type { FunctionTargetEntry } from './contract.js';
import { normalizeFolderPath, sessionPolicySizeProblem } from './session-policy.js';

/**
 * Largest `ROTATION_TARGETS` value kept in the environment. Lambda allows 4 KB for all variables
 * together; the others take about 500 bytes.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
 */
export const MAX_TARGETS_ENV_BYTES = 3000;

/** How long a value known only at deploy time (a created role's ARN) is counted: its longest. */
export const UNRESOLVED_VALUE_BYTES = 160;

/** The values of the configuration's `targetsDelivery` (the construct's `TargetsDelivery`). */
export const TARGETS_DELIVERIES = ['auto', 'environment', 'file'] as const;
export type TargetsDeliveryName = (typeof TARGETS_DELIVERIES)[number];

/** The size of the list in `ROTATION_TARGETS`, counting each unresolved value at its longest. */
export function estimatedTargetsBytes(
  entries: readonly FunctionTargetEntry[],
  isUnresolved: (value: string) => boolean,
): number {
  return Buffer.byteLength(
    JSON.stringify(entries, (_key, value: unknown) =>
      typeof value === 'string' && isUnresolved(value) ? 'x'.repeat(UNRESOLVED_VALUE_BYTES) : value,
    ),
  );
}

/** How the targets travel, and whether created roles' sessions are narrowed in the list. */
export interface DeliveryDecision {
  readonly delivery: 'environment' | 'file';
  /** False when a list that fitted only without created roles' buckets keeps to the environment. */
  readonly narrowCreatedRoles: boolean;
  /**
   * Whether the entries of created roles that travel without their bucket carry `verifyWithAdobe:
   * false`, switching Adobe's check off for those connections alone. False only for a list that
   * fits the environment without those few bytes, as it did before they existed: then the check is
   * off for every connection (`VERIFY_WITH_ADOBE=false`).
   */
  readonly flagged: boolean;
}

/** One way of writing the list: with or without created roles' buckets, with or without the per-connection flags. */
export interface DeliveryCandidates {
  readonly narrowed: {
    readonly flagged: readonly FunctionTargetEntry[];
    readonly unflagged: readonly FunctionTargetEntry[];
  };
  readonly unnarrowed: {
    readonly flagged: readonly FunctionTargetEntry[];
    readonly unflagged: readonly FunctionTargetEntry[];
  };
}

/**
 * `auto` keeps a list in the environment when it fits, trying the narrowest first. A list that
 * fitted before created roles' sessions were narrowed keeps fitting there: those fields only
 * repeat what the created role already allows, and a bundled file would need every created role's
 * ARN at synth. Likewise a list that fitted before the per-connection `verifyWithAdobe` flags
 * existed keeps fitting, with Adobe's check off for every connection as it was then.
 */
export function decideTargetsDelivery(
  requested: TargetsDeliveryName,
  candidates: DeliveryCandidates,
  isUnresolved: (value: string) => boolean,
): DeliveryDecision {
  if (requested !== 'auto') return { delivery: requested, narrowCreatedRoles: true, flagged: true };
  const fits = (entries: readonly FunctionTargetEntry[]) =>
    estimatedTargetsBytes(entries, isUnresolved) <= MAX_TARGETS_ENV_BYTES;
  for (const narrowCreatedRoles of [true, false]) {
    const { flagged, unflagged } = narrowCreatedRoles ? candidates.narrowed : candidates.unnarrowed;
    if (fits(flagged)) return { delivery: 'environment', narrowCreatedRoles, flagged: true };
    if (fits(unflagged)) return { delivery: 'environment', narrowCreatedRoles, flagged: false };
  }
  return { delivery: 'file', narrowCreatedRoles: true, flagged: true };
}

/**
 * Whether a created role's bucket and folder can go in its entry: the session policy they make
 * fits STS's limit (a value known only at deploy time is assumed to). Left out, they cost nothing
 * in privilege, since the created role allows no more than that anyway.
 */
export function createdRoleScopeFits(
  createRole: { readonly bucketName: string; readonly folderPath?: string; readonly bucketAccount?: string },
  isUnresolved: (value: string) => boolean,
): boolean {
  const { bucketName, folderPath, bucketAccount } = createRole;
  if (isUnresolved(bucketName) || (folderPath !== undefined && isUnresolved(folderPath))) return true;
  const account =
    bucketAccount === undefined ? undefined : isUnresolved(bucketAccount) ? '000000000000' : bucketAccount;
  return !sessionPolicySizeProblem({
    bucketName,
    folderPath: folderPath && normalizeFolderPath(folderPath),
    bucketAccount: account,
  });
}

/**
 * The connections whose created role travels without its bucket and folder (a list that fits the
 * environment only without them, or a session policy too long for STS). Adobe's check after a
 * PATCH would then explore the bucket's root, which a created role does not let anyone list: each
 * such rotation would be reported failed although ingestion works. So the check is switched off
 * for those connections (their entries carry `verifyWithAdobe: false`; for every connection in a
 * list that fits the environment only without those flags), and synth and `check-config` warn.
 */
export function createdRolesWithoutScope(
  targets: readonly { readonly connectionId: string; readonly createRole?: unknown }[],
  entries: readonly FunctionTargetEntry[],
): string[] {
  return targets.flatMap((target, index) =>
    target.createRole && !entries[index]?.bucketName ? [target.connectionId] : [],
  );
}

/**
 * The warning for `createdRolesWithoutScope`'s connections; the caller prefixes the field.
 * @param scope `connections`: off for those connections alone; `all`: off for every connection
 * (`VERIFY_WITH_ADOBE=false`).
 */
export function adobeCheckOffWarning(connectionIds: readonly string[], scope: 'connections' | 'all' = 'all'): string {
  const which = `${connectionIds.length === 1 ? 'connection' : 'connections'} ${connectionIds.join(', ')}`;
  const off =
    scope === 'connections'
      ? `Adobe's check after each PATCH is switched off for ${which} (their entries carry "verifyWithAdobe": ` +
        "false; every other connection keeps it): each one's created role "
      : `Adobe's check after each PATCH is switched off (VERIFY_WITH_ADOBE=false): the created role of ${which} `;
  return (
    off +
    "reaches the function without its bucket and folder (the targets list fits Lambda's environment only without " +
    "them, or the role's session policy would exceed STS's 2,048 characters), so Adobe would be asked to list " +
    'the bucket\'s root, which a created role does not allow. To keep the check, set "targetsDelivery": ' +
    '"file" with createRole.roleName on every created role and an explicit account and region; ' +
    'or set "verifyWithAdobe": false to accept it'
  );
}

/** Why a created role cannot go in a bundled file: its ARN is known only at deploy time. */
export function createdRoleInFileProblem(index: number): string {
  return (
    `targets[${index}].createRole: the targets go to a bundled file, which is written at synth, ` +
    "but this role's ARN is known only at deploy time; give createRole.roleName and deploy the stack to an " +
    'explicit account and region, or set "targetsDelivery": "environment" (TargetsDelivery.ENVIRONMENT in code) ' +
    'with fewer targets'
  );
}
