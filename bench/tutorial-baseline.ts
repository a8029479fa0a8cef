/**
 * The baseline: the same rotations done the way an operator following Adobe's tutorials would
 * script them by hand. One IMS access token (Server-to-Server guide), then for each connection,
 * one after another: mint credentials with STS AssumeRole (AWS SDK), `GET /connections/{id}` for
 * its etag, `PATCH /connections/{id}` with `If-Match` (got). No verification of the new
 * credentials, no concurrency, got's and the SDK's default settings.
 *
 * Run by bench/baseline.ts through bench/child.ts, against the same emulators and delay as the function.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import got from 'got';

export interface TutorialTarget {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly roleArn: string;
  readonly externalId?: string;
  readonly durationSeconds?: number;
}

export interface TutorialOptions {
  readonly imsUrl: string;
  readonly flowServiceUrl: string;
  /** The operator has the Developer Console project's credentials at hand (no Secrets Manager). */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly orgId: string;
  readonly scopes?: string;
  readonly targets: readonly TutorialTarget[];
}

export interface TutorialResult {
  readonly rotated: number;
  readonly failed: number;
  readonly firstError?: string;
}

const SCOPES = 'openid,session,AdobeID,read_organizations,additional_info.projectedProductContext';

export async function rotateLikeTheTutorial(options: TutorialOptions): Promise<TutorialResult> {
  const { access_token: token } = await got
    .post(`${options.imsUrl}/ims/token/v3`, {
      form: {
        grant_type: 'client_credentials',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        scope: options.scopes ?? SCOPES,
      },
    })
    .json<{ access_token: string }>();

  // The operator's own AWS credentials and region, from the environment.
  const sts = new STSClient({});
  let rotated = 0;
  let failed = 0;
  let firstError: string | undefined;
  for (const target of options.targets) {
    try {
      const { Credentials: credentials } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: target.roleArn,
          RoleSessionName: `tutorial-${target.connectionId}`.slice(0, 64),
          ExternalId: target.externalId,
          DurationSeconds: target.durationSeconds ?? 3600,
        }),
      );
      const headers = {
        authorization: `Bearer ${token}`,
        'x-api-key': options.clientId,
        'x-gw-ims-org-id': options.orgId,
        'x-sandbox-name': target.sandboxName,
      };
      const url = `${options.flowServiceUrl}/connections/${target.connectionId}`;
      const { items } = await got(url, { headers }).json<{ items: Array<{ etag: string }> }>();
      await got
        .patch(url, {
          headers: { ...headers, 'if-match': items[0]!.etag },
          json: [
            { op: 'replace', path: '/auth/params/s3AccessKey', value: credentials!.AccessKeyId },
            { op: 'replace', path: '/auth/params/s3SecretKey', value: credentials!.SecretAccessKey },
            { op: 'replace', path: '/auth/params/s3SessionToken', value: credentials!.SessionToken },
          ],
        })
        .json();
      rotated += 1;
    } catch (error) {
      failed += 1;
      firstError ??= `${target.connectionId}: ${(error as Error).message}`;
    }
  }
  sts.destroy();
  return { rotated, failed, firstError };
}
