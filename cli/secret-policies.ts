/**
 * `check-config`'s look at the IAM-user secrets (`userCredentialsSecret`): they hold long-lived
 * keys that can mint credentials for up to 36 hours, so each should carry a resource policy that
 * denies reading it to every principal but the function's role (docs/DEPLOY.md, "IAM-user
 * secrets"). The stack cannot set it (the secrets are imported), so `check-config` asks Secrets
 * Manager, with the operator's own credentials, whether each has a policy at all
 * (`GetResourcePolicy`), and warns where it has none.
 *
 * What it cannot see is said, not guessed: without credentials, region or network, or where
 * GetResourcePolicy is denied, the check is reported as not made and `check-config` still succeeds.
 */
import { GetResourcePolicyCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RotatorConfig } from '../lib/config/config.js';
import { describeAwsError } from './errors.js';

/** What the check found: warnings (`<field>: <message>`) and what it could not check, in sentences. */
export interface SecretPolicyCheck {
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** Each request may take this long: check-config runs offline too, and must not hang there. */
const REQUEST_TIMEOUT_MS = 5_000;

/** Ask, for each IAM-user secret of `config` (once per secret), whether it has a resource policy. */
export async function checkUserSecretPolicies(
  config: Pick<RotatorConfig, 'targets' | 'region'>,
): Promise<SecretPolicyCheck> {
  const secrets = new Map<string, number>();
  config.targets.forEach((target, index) => {
    const secretId = target.userCredentialsSecret?.secretId;
    if (secretId && !secrets.has(secretId)) secrets.set(secretId, index);
  });
  if (secrets.size === 0) return { warnings: [], notes: [] };

  const client = new SecretsManagerClient({
    ...(config.region ? { region: config.region } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }),
  });
  const warnings: string[] = [];
  const notes: string[] = [];
  try {
    for (const [secretId, index] of secrets) {
      const field = `targets[${index}].userCredentialsSecret`;
      try {
        const response = await client.send(new GetResourcePolicyCommand({ SecretId: secretId }), {
          abortSignal: AbortSignal.timeout(2 * REQUEST_TIMEOUT_MS),
        });
        if (!response.ResourcePolicy) warnings.push(`${field}: ${noPolicyWarning(secretId)}`);
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'ResourceNotFoundException') {
          notes.push(
            `${field}: secret "${secretId}" was not found with your AWS ` +
              `credentials${config.region ? ` in ${config.region}` : ''}, so its resource policy was not checked.`,
          );
          continue;
        }
        const problem = describeAwsError(error, `read the resource policy of secret "${secretId}"`);
        if (problem?.problem === 'access-denied') {
          notes.push(
            `${field}: ${problem.message.replace(/\.?$/, '.')} Its resource policy was not checked; ` +
              'check it yourself (docs/DEPLOY.md, "IAM-user secrets").',
          );
          continue;
        }
        // No credentials, region or network: nothing else can be checked either.
        notes.push(
          'The resource policies of the IAM-user secrets were not checked: ' +
            `${problem?.message ?? `${name}: ${(error as Error).message}`} Run check-config with credentials of ` +
            "the stack's account to check them.",
        );
        break;
      }
    }
  } finally {
    client.destroy();
  }
  return { warnings, notes };
}

/** The warning for an IAM-user secret without a resource policy; the caller prefixes the field. */
export function noPolicyWarning(secretId: string): string {
  return (
    `secret "${secretId}" has no resource policy, so any principal of its account whose IAM policies allow ` +
    'secretsmanager:GetSecretValue can read these long-lived keys, which mint credentials for up to 36 hours; ' +
    'give it the deny-read resource policy of docs/DEPLOY.md ("IAM-user secrets"), naming the function\'s role, ' +
    'and a customer-managed key'
  );
}
