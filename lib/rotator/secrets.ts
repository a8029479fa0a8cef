/**
 * The secrets the function reads: the Adobe credentials secret the construct creates when none is
 * given (retained: it outlives the stack), and how an imported secret is named to the function and
 * to IAM.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * The created secret holds what operators put, and nothing in this stack can recreate it: a
 * stack deletion or a replacement (a change to any property CloudFormation cannot update in
 * place) would otherwise destroy the real credentials and generate a new placeholder, failing
 * every run. So it is retained, and `test/cdk/stack.test.ts` pins the whole resource; delete it
 * on purpose with `aws secretsmanager delete-secret` (docs/DEPLOY.md, "Removing").
 */
export function createAdobeCredentialsSecret(scope: Construct): secretsmanager.Secret {
  return new secretsmanager.Secret(scope, 'AdobeCredentials', {
    removalPolicy: RemovalPolicy.RETAIN,
    description:
      'Adobe OAuth Server-to-Server credentials of the AEP S3 credential rotator. Placeholder until you run: ' +
      'aws secretsmanager put-secret-value --secret-id <this secret> --secret-string file://adobe-credentials.json ' +
      '(JSON: {"clientId","clientSecret","orgId":"...@AdobeOrg","scopes"?}; see docs/DEPLOY.md)',
    // A random clientSecret keeps even the placeholder out of the template; orgId fails the
    // function's check on purpose, so runs fail loudly until the real value is put.
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ clientId: 'REPLACE_WITH_CLIENT_ID', orgId: 'REPLACE_WITH_IMS_ORG_ID' }),
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
