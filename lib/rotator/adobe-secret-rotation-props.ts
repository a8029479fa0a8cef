/**
 * The construct's check of `adobeSecretRotation` (validate-props.ts applies it with the others): a
 * leaf, so the props' validation does not load the rotation's resources.
 */
import { Token } from 'aws-cdk-lib';
import { consoleApiUrlProblem, rotationDaysProblem } from '../../core/adobe-secret-rotation.js';
import type { AdobeSecretRotationProps } from './props.js';

/** What `adobeSecretRotation` gets wrong, as `adobeSecretRotation.<field>: ...` (tokens are skipped). */
export function adobeSecretRotationProblems(rotation: AdobeSecretRotationProps | undefined): string[] {
  if (!rotation) return [];
  const problems: string[] = [];
  if (!Token.isUnresolved(rotation.every.toSeconds())) {
    const days = rotation.every.toSeconds() / 86_400;
    const problem = rotationDaysProblem(days);
    if (problem)
      problems.push(
        `adobeSecretRotation.every: ${rotation.every.toHumanString()} is ${problem.replace(/^[\d.]+ is /, '')}; ` +
          'e.g. Duration.days(30)',
      );
  }
  if (rotation.consoleApiUrl !== undefined && !Token.isUnresolved(rotation.consoleApiUrl)) {
    const problem = consoleApiUrlProblem('adobeSecretRotation.consoleApiUrl', rotation.consoleApiUrl);
    if (problem) problems.push(problem);
  }
  return problems;
}
