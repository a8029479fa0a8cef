/**
 * AWS STS emulator: the Query protocol (`POST /`, form-encoded `Action=...&Version=2011-06-15`,
 * XML answers) for `GetCallerIdentity`, `AssumeRole`, `GetSessionToken` and `GetFederationToken`,
 * with SigV4 checked on every call and the limits AWS enforces (role trust, ExternalId,
 * MaxSessionDuration, role chaining, which credentials may call what, session policies).
 *
 * API reference: https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
 */
import { randomBytes, randomInt } from 'node:crypto';
import { escapeXml, queryErrorXml, startQueryEmulator } from './query-protocol.js';
import {
  assumeRoleNames,
  durationParam,
  federatedNameParam,
  policyParam,
  StsError,
  validationError,
} from './sts-params.js';
import type { AwsCredentials, IssuedCredentials, SeedRole, StsEmulator } from './types.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_ACCOUNT_ID = '123456789012';
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
/**
 * Role chaining caps sessions at 1 hour:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
 */
const ROLE_CHAINING_MAX_SECONDS = 3600;
/** Who signed a request. */
interface Principal {
  /**
   * `user`: long-term AKIA keys; `role-session`: AssumeRole / Lambda; `user-session`:
   * GetSessionToken; `federated-user`: GetFederationToken.
   */
  readonly kind: 'user' | 'role-session' | 'user-session' | 'federated-user';
  readonly accountId: string;
  /** As GetCallerIdentity reports it. */
  readonly arn: string;
  readonly userId: string;
  /** What a role's trust policy names: the user ARN, or the ROLE ARN for a role session. */
  readonly trustArn: string;
}

type KnownCredentials = AwsCredentials & {
  readonly arn: string;
  readonly principal: Principal;
  readonly policy?: string;
  readonly issuedAt?: number;
};

/**
 * An STS error body exactly as AWS sends it; the SDK names the error after `code`.
 * Tests use it to inject faults: `{ kind: 'respond', status: 400, body: stsErrorXml('Throttling', 'Rate exceeded'),
 * headers: { 'content-type': 'text/xml' } }`.
 */
export function stsErrorXml(
  code: string,
  message: string,
  options: { type?: 'Sender' | 'Receiver'; requestId?: string } = {},
): string {
  return queryErrorXml(XMLNS, code, message, options);
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomChars = (length: number, alphabet = UPPER_ALNUM) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** AWS prints expirations to the second: `2019-11-09T13:34:41Z`. */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Start an STS emulator on 127.0.0.1.
 *
 * @param options.port - @default 0 (any free port)
 * @param options.region - the region signatures must be scoped to. @default 'us-east-1'
 * @returns the emulator; its `now()` is the expiry clock Secrets Manager shares.
 */
export async function startStsEmulator(options: { port?: number; region?: string } = {}): Promise<StsEmulator> {
  const region = options.region ?? 'us-east-1';
  const users = new Map<string, { userId: string }>(); // by user ARN
  const roles = new Map<
    string,
    Required<Omit<SeedRole, 'externalId' | 'permissionsPolicy'>> & Pick<SeedRole, 'externalId' | 'permissionsPolicy'>
  >();
  const roleIds = new Map<string, string>(); // role ARN -> AROA... unique id
  const byAccessKey = new Map<string, KnownCredentials>();
  const issuedCredentials: IssuedCredentials[] = [];
  let clock: () => number = Date.now;
  let unverifiableLeft = 0;

  function roleIdOf(roleArn: string): string {
    let id = roleIds.get(roleArn);
    if (!id) {
      id = `AROA${randomChars(17)}`;
      roleIds.set(roleArn, id);
    }
    return id;
  }

  /** Mint session credentials that look like AWS's (`ASIA...`, 40-char secret, long token). */
  function mintSession(
    principal: Principal,
    durationSeconds: number,
    verifiable: boolean,
    policy?: string,
  ): KnownCredentials {
    const credentials: KnownCredentials = {
      accessKeyId: `ASIA${randomChars(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      // Real tokens are opaque base64 of several hundred characters, starting `IQoJb3JpZ2luX2Vj`.
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(480).toString('base64')}`,
      expiration: new Date(Math.floor(clock() / 1000) * 1000 + durationSeconds * 1000),
      arn: principal.arn,
      principal,
      issuedAt: clock(),
      ...(policy === undefined ? {} : { policy }),
    };
    const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
    issuedCredentials.push({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      expiration,
      ...(policy === undefined ? {} : { policy }),
    });
    if (verifiable) byAccessKey.set(accessKeyId, credentials);
    return credentials;
  }

  function roleSessionPrincipal(roleArn: string, sessionName: string): Principal {
    const [, accountId, roleName] = ROLE_ARN.exec(roleArn) ?? [];
    if (!accountId || !roleName) throw new Error(`not a role ARN: ${roleArn}`);
    return {
      kind: 'role-session',
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
      userId: `${roleIdOf(roleArn)}:${sessionName}`,
      trustArn: roleArn,
    };
  }

  /** Credentials minted by an action; `mintUnverifiableCredentials` makes the next ones unknown here. */
  function mintForAction(principal: Principal, durationSeconds: number, policy?: string): KnownCredentials {
    const verifiable = unverifiableLeft === 0;
    if (!verifiable) unverifiableLeft -= 1;
    return mintSession(principal, durationSeconds, verifiable, policy);
  }

  function credentialsXml(credentials: KnownCredentials): string {
    return (
      `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${escapeXml(credentials.sessionToken!)}</SessionToken>` +
      `<Expiration>${isoSeconds(credentials.expiration!.getTime())}</Expiration></Credentials>`
    );
  }

  function assumeRole(caller: Principal, params: Record<string, string>): string {
    const { RoleArn: roleArn } = params;
    if (roleArn === undefined) throw validationError('null', 'roleArn', 'Member must not be null');
    const { sessionName, externalId } = assumeRoleNames(params);
    const durationSeconds = durationParam(params.DurationSeconds, 3600, 900, 43_200);
    const policy = policyParam(params.Policy);

    // AWS says the same thing for a missing role, an untrusted caller and a wrong ExternalId.
    // Federated users may call no STS action but GetCallerIdentity, whatever a role trusts.
    const role = ROLE_ARN.test(roleArn) ? roles.get(roleArn) : undefined;
    const trusted =
      caller.kind !== 'federated-user' &&
      role &&
      (role.trustedPrincipalArns.length === 0 || role.trustedPrincipalArns.includes(caller.trustArn));
    if (!role || !trusted || (role.externalId !== undefined && externalId !== role.externalId)) {
      throw new StsError(
        403,
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    if (durationSeconds > role.maxSessionDurationSeconds) {
      throw new StsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    if (caller.kind === 'role-session' && durationSeconds > ROLE_CHAINING_MAX_SECONDS) {
      throw new StsError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }

    const session = mintForAction(roleSessionPrincipal(roleArn, sessionName), durationSeconds, policy);
    return (
      `<AssumeRoleResult>${credentialsXml(session)}` +
      `<AssumedRoleUser><AssumedRoleId>${escapeXml(session.principal.userId)}</AssumedRoleId>` +
      `<Arn>${escapeXml(session.principal.arn)}</Arn></AssumedRoleUser></AssumeRoleResult>`
    );
  }

  /** https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html */
  function getSessionToken(caller: Principal, params: Record<string, string>): string {
    if (caller.kind !== 'user')
      throw new StsError(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials');
    const durationSeconds = durationParam(params.DurationSeconds, 43_200, 900, 129_600);
    // GetCallerIdentity with these answers as the IAM user itself.
    const session = mintForAction({ ...caller, kind: 'user-session' }, durationSeconds);
    return `<GetSessionTokenResult>${credentialsXml(session)}</GetSessionTokenResult>`;
  }

  /**
   * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html: only with an
   * IAM user's long-term keys; credentials for `arn:aws:sts::<account>:federated-user/<Name>`,
   * limited to the session policy (without one, they may do nothing).
   */
  function getFederationToken(caller: Principal, params: Record<string, string>): string {
    const name = federatedNameParam(params.Name);
    const durationSeconds = durationParam(params.DurationSeconds, 43_200, 900, 129_600);
    const policy = policyParam(params.Policy);
    if (caller.kind !== 'user')
      throw new StsError(403, 'AccessDenied', 'Cannot call GetFederationToken with session credentials');

    const arn = `arn:aws:sts::${caller.accountId}:federated-user/${name}`;
    const userId = `${caller.accountId}:${name}`;
    const session = mintForAction(
      { kind: 'federated-user', accountId: caller.accountId, arn, userId, trustArn: arn },
      durationSeconds,
      policy,
    );
    return (
      `<GetFederationTokenResult>${credentialsXml(session)}` +
      `<FederatedUser><FederatedUserId>${escapeXml(userId)}</FederatedUserId><Arn>${escapeXml(arn)}</Arn>` +
      '</FederatedUser></GetFederationTokenResult>'
    );
  }

  function getCallerIdentity(caller: Principal): string {
    return (
      `<GetCallerIdentityResult><Arn>${escapeXml(caller.arn)}</Arn><UserId>${escapeXml(caller.userId)}</UserId>` +
      `<Account>${caller.accountId}</Account></GetCallerIdentityResult>`
    );
  }

  const server = await startQueryEmulator(
    {
      xmlns: XMLNS,
      service: 'sts',
      region,
      lookup: (id) => byAccessKey.get(id),
      now: () => clock(),
      port: options.port,
    },
    (request) => {
      const { params } = request;
      const caller = request.credentials.principal;
      try {
        let result: string;
        if (params.Action === 'GetCallerIdentity') result = getCallerIdentity(caller);
        else if (params.Action === 'AssumeRole') result = assumeRole(caller, params);
        else if (params.Action === 'GetSessionToken') result = getSessionToken(caller, params);
        else if (params.Action === 'GetFederationToken') result = getFederationToken(caller, params);
        else return request.invalidAction();
        return request.ok(params.Action, result);
      } catch (thrown) {
        if (thrown instanceof StsError) return request.error(thrown.status, thrown.code, thrown.message);
        throw thrown;
      }
    },
  );

  return {
    ...server,
    issuedCredentials,
    createUser(userName, accountId = DEFAULT_ACCOUNT_ID) {
      const arn = `arn:aws:iam::${accountId}:user/${userName}`;
      const user = users.get(arn) ?? { userId: `AIDA${randomChars(17)}` };
      users.set(arn, user);
      const credentials: KnownCredentials = {
        accessKeyId: `AKIA${randomChars(16)}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        arn,
        principal: { kind: 'user', accountId, arn, userId: user.userId, trustArn: arn },
      };
      byAccessKey.set(credentials.accessKeyId, credentials);
      return { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, arn };
    },
    createRole(role) {
      if (!ROLE_ARN.test(role.roleArn)) throw new Error(`createRole: not a role ARN: ${role.roleArn}`);
      roles.set(role.roleArn, {
        roleArn: role.roleArn,
        maxSessionDurationSeconds: role.maxSessionDurationSeconds ?? 3600,
        trustedPrincipalArns: [...(role.trustedPrincipalArns ?? [])],
        externalId: role.externalId,
        ...(role.permissionsPolicy === undefined ? {} : { permissionsPolicy: role.permissionsPolicy }),
      });
    },
    issueRoleSession(roleArn, sessionName, durationSeconds = 3600) {
      const name = sessionName ?? ROLE_ARN.exec(roleArn)?.[2] ?? 'session';
      const { accessKeyId, secretAccessKey, sessionToken, expiration } = mintSession(
        roleSessionPrincipal(roleArn, name),
        durationSeconds,
        true,
      );
      return { accessKeyId, secretAccessKey, sessionToken, expiration };
    },
    deleteAccessKey(accessKeyId) {
      if (byAccessKey.get(accessKeyId)?.principal.kind !== 'user') {
        throw new Error(`deleteAccessKey: ${accessKeyId} is not an IAM user's access key`);
      }
      byAccessKey.delete(accessKeyId);
    },
    revokeIssuedCredentials() {
      for (const { accessKeyId } of issuedCredentials) byAccessKey.delete(accessKeyId);
    },
    mintUnverifiableCredentials(times = 1) {
      unverifiableLeft += times;
    },
    setClock(now) {
      clock = now;
    },
    now: () => clock(),
    policyOf(accessKeyId) {
      return issuedCredentials.find((issued) => issued.accessKeyId === accessKeyId)?.policy;
    },
    sessionOf(accessKeyId) {
      const known = byAccessKey.get(accessKeyId);
      if (!known || known.issuedAt === undefined) return undefined;
      return {
        ...(known.principal.kind === 'role-session' ? { roleArn: known.principal.trustArn } : {}),
        issuedAt: known.issuedAt,
      };
    },
    setRoleTrust(roleArn, trustedPrincipalArns) {
      const role = roles.get(roleArn);
      if (!role) throw new Error(`setRoleTrust: no role ${roleArn}`);
      roles.set(roleArn, { ...role, trustedPrincipalArns: [...trustedPrincipalArns] });
      return role.trustedPrincipalArns;
    },
    hasRole(roleName) {
      return [...roles.keys()].some((roleArn) => ROLE_ARN.exec(roleArn)?.[2] === roleName);
    },
    identityPolicyOf(accessKeyId) {
      const principal = byAccessKey.get(accessKeyId)?.principal;
      return principal?.kind === 'role-session' ? roles.get(principal.trustArn)?.permissionsPolicy : undefined;
    },
    credentialsFor(accessKeyId) {
      const known = byAccessKey.get(accessKeyId);
      if (!known) return undefined;
      const { secretAccessKey, sessionToken, expiration, arn } = known;
      return { accessKeyId, secretAccessKey, sessionToken, expiration, arn };
    },
  };
}
