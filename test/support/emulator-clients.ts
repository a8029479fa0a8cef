/**
 * The clients an emulator's own tests talk to it with: a real AWS SDK client's configuration
 * signed as the operator's role session, an IMS token, and the headers Flow Service wants.
 *
 * Exported by index.ts with every fixture; the emulators' own tests import this file directly, as
 * they need nothing else here and index.ts loads aws-cdk-lib (about 2 s of each file's start).
 */
import got from 'got';
import type { ImsEmulator, StsEmulator } from '../../emulators/types.js';

/** The role the operator CLI signs as, in the emulators' account. */
const OPERATOR_ROLE_ARN = 'arn:aws:iam::123456789012:role/operator';

/** The registered IMS client a token is asked for. */
export interface ImsClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly orgId: string;
}

/**
 * The configuration of a real AWS SDK client pointed at one stand-in (`endpoint`), signed with a
 * session of the operator's role that `sts` issued, without retries (each call is one request).
 */
export function operatorClientConfig(sts: Pick<StsEmulator, 'issueRoleSession'>, endpoint: string) {
  const credentials = sts.issueRoleSession(OPERATOR_ROLE_ARN);
  return {
    region: 'us-east-1',
    endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken!,
    },
  };
}

/** An access token IMS issues the client (client credentials grant). @default scope 'openid' */
export async function imsAccessToken(
  ims: Pick<ImsEmulator, 'url'>,
  client: Omit<ImsClient, 'orgId'>,
  scope = 'openid',
): Promise<string> {
  const { access_token } = await got
    .post(`${ims.url}/ims/token/v3`, {
      form: {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope,
      },
    })
    .json<{ access_token: string }>();
  return access_token;
}

/**
 * The headers every Flow Service call of `client` carries (FLOW-SERVICE.md): a fresh IMS token,
 * the API key, the org and the sandbox.
 */
export async function flowServiceHeaders(
  ims: Pick<ImsEmulator, 'url'>,
  client: ImsClient,
  options: { readonly sandboxName?: string; readonly scope?: string } = {},
): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${await imsAccessToken(ims, client, options.scope)}`,
    'x-api-key': client.clientId,
    'x-gw-ims-org-id': client.orgId,
    'x-sandbox-name': options.sandboxName ?? 'prod',
  };
}

/** Either of Adobe's error shapes: a Flow Service problem document, or the gateway's `{error_code, message}`. */
interface AdobeErrorBody {
  readonly type?: string;
  readonly report?: { readonly 'detailed-message'?: string };
  readonly error_code?: string;
  readonly message?: string;
}

/** Adobe's code in either shape: the `FLOW-` suffix of a problem's `type`, or the gateway's `error_code`. */
export function codeOf(body: unknown): string | undefined {
  const { type, error_code } = body as AdobeErrorBody;
  return type ? type.replace(/^https:\/\/ns\.adobe\.com\/aep\/errors\/FLOW-/, '') : error_code;
}

/** Adobe's explanation in either shape. */
export function detailOf(body: unknown): string | undefined {
  const problem = body as AdobeErrorBody;
  return problem.report?.['detailed-message'] ?? problem.message;
}
