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
export function estimatedTargetsBytes(entries: readonly FunctionTargetEntry[], isUnresolved: (value: string) => boolean): number {
  return Buffer.byteLength(
    JSON.stringify(entries, (_key, value: unknown) => (typeof value === 'string' && isUnresolved(value) ? 'x'.repeat(UNRESOLVED_VALUE_BYTES) : value)),
  );
}

/** How the targets travel, and whether created roles' sessions are narrowed in the list. */
export interface DeliveryDecision {
  readonly delivery: 'environment' | 'file';
  /** False when a list that fitted only without created roles' buckets keeps to the environment. */
  readonly narrowCreatedRoles: boolean;
}

/**
 * `auto` keeps a list in the environment when it fits. A list that fitted before created roles'
 * sessions were narrowed keeps fitting there: those fields only repeat what the created role
 * already allows, and a bundled file would need every created role's ARN at synth.
 */
export function decideTargetsDelivery(
  requested: TargetsDeliveryName,
  entries: { readonly narrowed: readonly FunctionTargetEntry[]; readonly unnarrowed: readonly FunctionTargetEntry[] },
  isUnresolved: (value: string) => boolean,
): DeliveryDecision {
  if (requested !== 'auto') return { delivery: requested, narrowCreatedRoles: true };
  if (estimatedTargetsBytes(entries.narrowed, isUnresolved) <= MAX_TARGETS_ENV_BYTES) return { delivery: 'environment', narrowCreatedRoles: true };
  if (estimatedTargetsBytes(entries.unnarrowed, isUnresolved) <= MAX_TARGETS_ENV_BYTES) return { delivery: 'environment', narrowCreatedRoles: false };
  return { delivery: 'file', narrowCreatedRoles: true };
}

/**
 * Whether a created role's bucket and folder can go in its entry: the session policy they make
 * fits STS's limit (a value known only at deploy time is assumed to). Left out, they cost nothing
 * in privilege, since the created role allows no more than that anyway.
 */
export function createdRoleScopeFits(
  createRole: { readonly bucketName: string; readonly folderPath?: string },
  isUnresolved: (value: string) => boolean,
): boolean {
  const { bucketName, folderPath } = createRole;
  if (isUnresolved(bucketName) || (folderPath !== undefined && isUnresolved(folderPath))) return true;
  return !sessionPolicySizeProblem({ bucketName, folderPath: folderPath && normalizeFolderPath(folderPath) });
}

/**
 * The connections whose created role travels without its bucket and folder (a list that fits the
 * environment only without them, or a session policy too long for STS). Adobe's check after a
 * PATCH would then explore the bucket's root, which a created role does not let anyone list: each
 * such rotation would be reported failed although ingestion works. So the function's check is
 * switched off while there is one (`VERIFY_WITH_ADOBE=false`), and synth and `check-config` warn.
 */
export function createdRolesWithoutScope(
  targets: readonly { readonly connectionId: string; readonly createRole?: unknown }[],
  entries: readonly FunctionTargetEntry[],
): string[] {
  return targets.flatMap((target, index) => (target.createRole && !entries[index]?.bucketName ? [target.connectionId] : []));
}

/** The warning for `createdRolesWithoutScope`'s connections; the caller prefixes the field. */
export function adobeCheckOffWarning(connectionIds: readonly string[]): string {
  return (
    `Adobe's check after each PATCH is switched off (VERIFY_WITH_ADOBE=false): the created role of ${connectionIds.length === 1 ? 'connection' : 'connections'} ` +
    `${connectionIds.join(', ')} reaches the function without its bucket and folder (the targets list fits Lambda's environment only without them, ` +
    "or the role's session policy would exceed STS's 2,048 characters), so Adobe would be asked to list the bucket's root, which a created role does not allow. " +
    'To keep the check, set "targetsDelivery": "file" with createRole.roleName on every created role and an explicit account and region; ' +
    'or set "verifyWithAdobe": false to accept it'
  );
}

/** Why a created role cannot go in a bundled file: its ARN is known only at deploy time. */
export function createdRoleInFileProblem(index: number): string {
  return (
    `targets[${index}].createRole: the targets go to a bundled file, which is written at synth, but this role's ARN is known only at deploy time; ` +
    'give createRole.roleName and deploy the stack to an explicit account and region, or set "targetsDelivery": "environment" (TargetsDelivery.ENVIRONMENT in code) with fewer targets'
  );
}
