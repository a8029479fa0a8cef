/**
 * What a valid target leaves open, written once as data ({@link TARGET_WARNINGS}): credentials that
 * give Adobe more than its bucket, and a bucket whose owner is not pinned. Not problems: such
 * targets deploy and rotate, as they did before these warnings existed. Synth shows each as a CDK
 * warning with the rule's `id` (lib/rotator/validate-props.ts) and `check-config` prints the same
 * lines (it runs that synth; lib/config/config.ts applies the table where aws-cdk-lib is missing).
 *
 * To add a warning: an entry in {@link TARGET_WARNINGS} and a row in test/unit/core/target-warnings.test.ts.
 * Under `requireNarrowedCredentials` the unnarrowed ones are refusals instead (core/target-rules.ts).
 */
import type { MintMethod } from './contract.js';
import { unnarrowedWarning } from './rotation-rules.js';
import { applyRules, type Rule } from './rules.js';
import {
  mintMethodOfView,
  narrowedToBucket,
  targetFieldName,
  type TargetField,
  type TargetProblem,
  type TargetRuleContext,
  type TargetView,
} from './target-rules.js';

/** A warning rule: a target rule with the id synth's warning carries (`aep-s3-rotator:<id>:<connection id>`). */
export interface TargetWarningRule extends Rule<TargetView, TargetRuleContext, TargetField> {
  readonly id: string;
}

/** A warning of one target of a list: its path, words and the rule's id. */
export interface TargetWarning extends TargetProblem {
  readonly id: string;
}

/** A rule that applies once the target's STS call is known (a target without one is refused anyway). */
function withMethod(
  rule: Omit<TargetWarningRule, 'condition'> & {
    condition: (target: TargetView, context: TargetRuleContext, method: MintMethod) => boolean;
  },
): TargetWarningRule {
  return {
    ...rule,
    condition: (target, context) => {
      const method = mintMethodOfView(target);
      return method !== undefined && rule.condition(target, context, method);
    },
  };
}

const connection = (target: TargetView) => target.connectionId ?? '(unknown)';

/** The warnings, in the order they are listed. */
export const TARGET_WARNINGS: readonly TargetWarningRule[] = [
  withMethod({
    id: 'unnarrowed-credentials',
    condition: (target, context, method) =>
      context.requireNarrowedCredentials !== true &&
      unnarrowedWarning({
        connectionId: connection(target),
        method,
        hasBucket: target.bucketName !== undefined || target.createRole !== undefined,
      }) !== undefined,
    message: (target) =>
      unnarrowedWarning({
        connectionId: connection(target),
        method: mintMethodOfView(target)!,
        hasBucket: target.bucketName !== undefined || target.createRole !== undefined,
      })!,
  }),
  withMethod({
    id: 'bucket-owner',
    field: 'bucketAccount',
    condition: (target, _context, method) =>
      narrowedToBucket(target, method) && target.createRole === undefined && target.bucketAccount === undefined,
    message: (target, context) => bucketOwnerWarning(target, target.bucketName, context),
  }),
  withMethod({
    id: 'bucket-owner',
    field: 'createRole.bucketAccount',
    condition: (target) => target.createRole !== undefined && target.createRole.bucketAccount === undefined,
    message: (target, context) => bucketOwnerWarning(target, target.createRole?.bucketName, context),
  }),
];

function bucketOwnerWarning(target: TargetView, bucketName: string | undefined, context: TargetRuleContext): string {
  const bucket = bucketName === undefined || context.isUnresolved(bucketName) ? 'its bucket' : `"${bucketName}"`;
  return (
    `connection ${connection(target)}: nothing pins the account that owns ${bucket}, so if the bucket is deleted ` +
    "and its name taken in another account, these credentials read that account's bucket; " +
    'add the 12-digit id of the account that owns it (the credentials then require it: s3:ResourceAccount)'
  );
}

/** Apply {@link TARGET_WARNINGS} to every target of a list (undefined: an entry the door refused). */
export function targetListWarnings(
  targets: readonly (TargetView | undefined)[],
  context: TargetRuleContext & { readonly list: string },
): TargetWarning[] {
  return targets.flatMap((target, index) => {
    if (target === undefined) return [];
    const at = `${context.list}[${index}]`;
    return TARGET_WARNINGS.flatMap((rule) =>
      applyRules([rule], target, context).map((warning) => ({
        ...warning,
        id: rule.id,
        index,
        path: warning.field === undefined ? at : `${at}.${targetFieldName(warning.field, context.names)}`,
      })),
    );
  });
}
