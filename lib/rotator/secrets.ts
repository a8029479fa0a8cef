/**
 * The secrets the function reads: the Adobe credentials secret the construct creates when none is
 * given (retained: it outlives the stack), and how an imported secret is named to the function and
 * to IAM.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ADOBE_SECRET_PLACEHOLDER } from '../../core/adobe-secret.js';

/**
 * The created secret holds what operators put, and nothing in this stack can recreate it: a
 * stack deletion or a replacement (a change to any property CloudFormation cannot update in
 * place) would otherwise destroy the real credentials and generate a new placeholder, failing
 * every run. So it is retained, and `test/system/lib/stack.test.ts` pins the whole resource; delete it
 * on purpose with `aws secretsmanager delete-secret` (docs/DEPLOY.md, "Removing").
 *
 * Its logical id comes from the construct's path: an app that renames or nests the construct gets a
 * new, placeholder secret, and the function follows it. A fixed `secretName` turns that into a
 * name conflict at deploy (docs/DEPLOY.md, "Data that outlives the stack").
 */
export function createAdobeCredentialsSecret(
  scope: Construct,
  encryptionKey?: kms.IKey,
  secretName?: string,
): secretsmanager.Secret {
  return new secretsmanager.Secret(scope, 'AdobeCredentials', {
    removalPolicy: RemovalPolicy.RETAIN,
    // Setting or changing it replaces the secret (CloudFormation: "Replacement"); the old one is retained.
    secretName,
    // Without a key: aws/secretsmanager. Adding or changing it updates the secret in place, and
    // Secrets Manager re-encrypts its current versions with the new key.
    encryptionKey,
    description:
      'Adobe OAuth Server-to-Server credentials of the AEP S3 credential rotator. Placeholder until you run: ' +
      'aws secretsmanager put-secret-value --secret-id <this secret> --secret-string file://adobe-credentials.json ' +
      '(JSON: {"clientId","clientSecret","orgId":"...@AdobeOrg","scopes"?}; see docs/DEPLOY.md)',
    // A random clientSecret keeps even the placeholder out of the template; orgId fails the
    // function's check on purpose, so runs fail loudly until the real value is put.
    generateSecretString: {
      secretStringTemplate: JSON.stringify(ADOBE_SECRET_PLACEHOLDER),
      generateStringKey: 'clientSecret',
      excludePunctuation: true,
    },
  });
}

/**
 * The id the function passes to GetSecretValue: the complete ARN when known, else the partial ARN
 * or the name exactly as imported (both resolve within the account and region).
 */
export function secretIdOf(secret: secretsmanager.ISecret): string {
  if (secret.secretFullArn) return secret.secretFullArn;
  if (!Token.isUnresolved(secret.secretArn)) return secret.secretArn;
  return secret.secretName;
}

/** The resource for IAM: a secret imported without its 6-character suffix matches any suffix. */
export function secretPolicyArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/**
 * Deny `secretsmanager:GetSecretValue` on `secret` to every principal but the function's role and
 * `readers` (IAM role or user ARNs, wildcards allowed in names): a broad grant elsewhere, such as an
 * administrator's `secretsmanager:*` or `SecretsManagerReadWrite`, does not reach the Adobe
 * credentials. Only reading is denied; `put-secret-value` and the policy itself stay with IAM.
 *
 * The condition names roles by ARN (`aws:PrincipalArn`, a session's role ARN), not as a principal:
 * IAM would pin a principal to the role's unique id, so a role replaced under the same name would
 * be locked out. The function's role ARN follows the role through `Fn::GetAtt`, whether its name
 * is fixed (`functionRoleName`) or generated.
 *
 * The policy is retained with the secret: deleted on `cdk destroy` while the secret stays, it would
 * leave the real credentials readable by any administrator. A retained policy keeps denying reads
 * (the function's role it names is gone with the stack); `delete-resource-policy` removes it on purpose.
 *
 * @returns whether the policy was set: false for an imported secret, whose policy this stack cannot change
 */
export function restrictSecretReaders(
  secret: secretsmanager.ISecret,
  functionRole: iam.IRole,
  readers: readonly string[] = [],
): boolean {
  const { statementAdded, policyDependable } = secret.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheRotatorAndNamedReadersMayRead',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['*'],
      conditions: { ArnNotLike: { 'aws:PrincipalArn': [...new Set([functionRole.roleArn, ...readers])] } },
    }),
  );
  if (policyDependable instanceof secretsmanager.ResourcePolicy)
    policyDependable.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return statementAdded;
}
