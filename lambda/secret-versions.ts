/**
 * The versions and staging labels of one Secrets Manager secret, as a rotation function sees them
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html):
 * which version holds `AWSCURRENT`, the value of a version, putting the pending value under the
 * rotation's token, and moving `AWSCURRENT` (Secrets Manager then moves `AWSPREVIOUS` itself).
 *
 * Every value read is registered for redaction before it is returned; an SDK failure becomes a
 * {@link SecretError} naming the call and AWS's error name, never the request.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretError } from './errors.js';
import { registerSecret } from './redaction.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** What DescribeSecret says about the secret's rotation and labelled versions. */
export interface SecretDescription {
  readonly arn: string;
  readonly rotationEnabled: boolean;
  /** Labelled versions only: `VersionIdsToStages`. */
  readonly versions: ReadonlyMap<string, readonly string[]>;
}

/** The version a label is on, if any. */
export function versionWithStage(description: SecretDescription, stage: string): string | undefined {
  return [...description.versions].find(([, stages]) => stages.includes(stage))?.[0];
}

export class SecretVersions {
  constructor(
    private readonly client: SecretsManagerClient,
    /** The secret's ARN or name (Secrets Manager gives its ARN). */
    readonly secretId: string,
  ) {}

  async describe(): Promise<SecretDescription> {
    const response = await this.send('DescribeSecret', () =>
      this.client.send(new DescribeSecretCommand({ SecretId: this.secretId })),
    );
    return {
      arn: response.ARN ?? this.secretId,
      rotationEnabled: response.RotationEnabled === true,
      versions: new Map(Object.entries(response.VersionIdsToStages ?? {})),
    };
  }

  /**
   * The value of the version `stage` is on (and that is `versionId`, when given); undefined when
   * there is none, or it has no value yet (the token's version before createSecret put one).
   */
  async value(stage: string, versionId?: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage, VersionId: versionId }),
      );
      registerSecret(response.SecretString);
      if (response.SecretString === undefined) {
        throw new SecretError(
          'SECRET_INVALID',
          `Secret "${this.secretId}" ${stage} has no SecretString (binary secrets are not supported)`,
        );
      }
      return response.SecretString;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      if (error instanceof SecretError) throw error;
      throw new SecretError(
        'SECRET_UNAVAILABLE',
        `Secret "${this.secretId}" ${stage} could not be read (${(error as Error).name})`,
        error,
      );
    }
  }

  /**
   * Store `value` as the version `token`, labelled `AWSPENDING` (the same call again with the same value changes
   * nothing).
   */
  async putPending(token: string, value: string): Promise<void> {
    registerSecret(value);
    await this.send('PutSecretValue', () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: this.secretId,
          ClientRequestToken: token,
          SecretString: value,
          VersionStages: [AWSPENDING],
        }),
      ),
    );
  }

  /** Move `AWSCURRENT` from `fromVersionId` to `toVersionId`; the old one becomes `AWSPREVIOUS`. */
  async promote(toVersionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.send('UpdateSecretVersionStage', () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: this.secretId,
          VersionStage: AWSCURRENT,
          MoveToVersionId: toVersionId,
          RemoveFromVersionId: fromVersionId,
        }),
      ),
    );
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const name = (error as Error).name;
      const reason =
        name === 'ResourceNotFoundException' ? 'was not found' : `failed (${name}: ${(error as Error).message})`;
      throw new SecretError(
        'SECRET_UNAVAILABLE',
        `Secrets Manager ${operation} of "${this.secretId}" ${reason}`,
        error,
      );
    }
  }
}
