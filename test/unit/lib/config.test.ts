/**
 * The cdk.json configuration: the committed sample is valid, defaults apply, and every refusal
 * names its field, the value it got and what to change.
 */
import { describe, expect, it } from 'vitest';
import { configWarnings, loadRotatorConfig, parseRotatorConfig } from '../../../lib/config/config.js';
import {
  CONFIG_TEST_ID as ID,
  configProblems as problemsOf,
  editedSample as sample,
  rawSampleConfig,
  singleTarget as single,
} from '../../support/index.js';

describe('parseRotatorConfig', () => {
  it('accepts the sample committed in cdk.json', () => {
    const config = parseRotatorConfig(rawSampleConfig());

    expect(config.targets.map(({ method }) => method)).toEqual([
      'assume-role-chained',
      'assume-role-chained',
      'get-federation-token',
    ]);
    expect(config.targets[0]!.createRole).toEqual({
      bucketName: 'acme-aep-landing',
      folderPath: 'crm/daily',
      bucketAccount: '123456789012',
    });
    expect(config.targets[1]).toMatchObject({
      bucketName: 'acme-web-events',
      folderPath: 'aep',
      bucketAccount: '123456789012',
    });
    expect(config.targets[2]!.userCredentialsSecret).toEqual({ secretId: 'aep-s3-rotator/dev-ingest-user' });
    expect(config.targets[2]!.bucketName).toBe('acme-dev-ingest');
    // Every target of the sample is narrowed to what Adobe reads, its bucket's owner pinned.
    expect(configWarnings(config)).toEqual([]);
    expect(config).toMatchObject({
      stackName: 'AepS3CredentialRotator',
      schedule: 'rate(15 minutes)',
      concurrency: 8,
      logRetentionDays: 90,
      alarmEmail: 'aep-ops@example.com',
    });
  });

  it('applies the documented defaults', () => {
    const config = parseRotatorConfig(single({ roleArn: 'arn:aws:iam::123456789012:role/r' }));

    expect(config).toEqual({
      stackName: 'AepS3CredentialRotator',
      schedule: 'rate(15 minutes)',
      flowServiceUrl: 'https://platform.adobe.io/data/foundation/flowservice',
      imsUrl: 'https://ims-na1.adobelogin.com',
      concurrency: 8,
      memorySize: 1769,
      reserveConcurrency: true,
      verifyWithAdobe: true,
      logRetentionDays: 90,
      enabled: true,
      requireNarrowedCredentials: false,
      connectionMetrics: true,
      targetsDelivery: 'auto',
      targets: [
        {
          connectionId: ID,
          sandboxName: 'prod',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          durationSeconds: 3600,
          method: 'assume-role-chained',
        },
      ],
    });
  });

  it('accepts a memory size in MB', () => {
    expect(parseRotatorConfig(sample((raw) => (raw.memorySize = 1024))).memorySize).toBe(1024);
    expect(parseRotatorConfig(sample((raw) => (raw.memorySize = 128))).memorySize).toBe(128);
    expect(parseRotatorConfig(sample((raw) => (raw.memorySize = 10_240))).memorySize).toBe(10_240);
  });

  it('takes an expiry alarm threshold and a runbook URL, and leaves both out by default', () => {
    const config = parseRotatorConfig(
      sample((raw) =>
        Object.assign(raw, {
          expiryAlarmThresholdSeconds: 2400,
          runbookUrl: 'https://wiki.example.com/rotator-runbook',
        }),
      ),
    );

    expect(config).toMatchObject({
      expiryAlarmThresholdSeconds: 2400,
      runbookUrl: 'https://wiki.example.com/rotator-runbook',
    });
    expect(parseRotatorConfig(rawSampleConfig())).not.toHaveProperty('expiryAlarmThresholdSeconds');
  });

  it('takes a fixed function role name', () => {
    expect(
      parseRotatorConfig(sample((raw) => (raw.functionRoleName = 'aep-s3-rotator@prod.eu-1'))).functionRoleName,
    ).toBe('aep-s3-rotator@prod.eu-1');
  });

  it('accepts 15-minute credentials rotated every 5 minutes, the alarm threshold just fitting', () => {
    expect(() =>
      parseRotatorConfig(
        single({ roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 900 }, { schedule: 'rate(5 minutes)' }),
      ),
    ).not.toThrow();
  });

  it('takes reserveConcurrency as a boolean', () => {
    expect(parseRotatorConfig(sample((raw) => (raw.reserveConcurrency = false))).reserveConcurrency).toBe(false);
  });

  it('normalizes a folder path and accepts secrets as a name, an ARN or an object', () => {
    const config = parseRotatorConfig({
      adobeCredentialsSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd',
      targets: [
        { connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'bucket-1', folderPath: '/a/b/' } },
        {
          connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          userCredentialsSecret: { secretId: 'u', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k-1' },
        },
      ],
    });

    expect(config.adobeCredentialsSecret).toEqual({
      secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd',
    });
    expect(config.targets[0]!.createRole!.folderPath).toBe('a/b');
    expect(config.targets[1]!.userCredentialsSecret).toEqual({
      secretId: 'u',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k-1',
    });
  });

  it('chooses the STS call from the fields of each target', () => {
    const config = parseRotatorConfig({
      schedule: 'rate(5 minutes)',
      targets: [
        {
          connectionId: ID,
          sandboxName: 'prod',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          userCredentialsSecret: 'u',
          durationSeconds: 43_200,
        },
        {
          connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          userCredentialsSecret: 'u',
          durationSeconds: 129_600,
        },
      ],
    });

    expect(config.targets.map(({ method }) => method)).toEqual(['assume-role-user-keys', 'get-session-token']);
  });

  it('takes method, bucketName and folderPath (normalized), and infers the STS call as before without method', () => {
    const role = 'arn:aws:iam::123456789012:role/r';
    const config = parseRotatorConfig({
      targets: [
        { connectionId: ID, sandboxName: 'prod', roleArn: role, bucketName: 'acme.landing', folderPath: '/crm/daily/' },
        {
          connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          userCredentialsSecret: 'u',
          method: 'get-federation-token',
          bucketName: 'acme',
          durationSeconds: 129_600,
        },
        {
          connectionId: '2b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          roleArn: role,
          userCredentialsSecret: 'u',
          method: 'assume-role',
        },
      ],
    });

    expect(config.targets.map(({ method, bucketName, folderPath }) => ({ method, bucketName, folderPath }))).toEqual([
      { method: 'assume-role-chained', bucketName: 'acme.landing', folderPath: 'crm/daily' },
      { method: 'get-federation-token', bucketName: 'acme', folderPath: undefined },
      { method: 'assume-role-user-keys', bucketName: undefined, folderPath: undefined },
    ]);
  });

  it('refuses a folder whose session policy would pass 2048 characters, naming folderPath; accepts one less', () => {
    const role = 'arn:aws:iam::123456789012:role/r';
    const target = (length: number) =>
      single({ roleArn: role, bucketName: 'b'.repeat(63), folderPath: 'f'.repeat(length) });
    let fits = 400;
    while (
      (() => {
        try {
          parseRotatorConfig(target(fits + 1));
          return true;
        } catch {
          return false;
        }
      })()
    )
      fits += 1;

    expect(fits).toBeGreaterThan(400);
    expect(problemsOf(target(fits + 1))).toEqual([
      expect.stringMatching(
        /^targets\[0\]\.folderPath: "f+" makes the session policy 20\d\d characters long, above the 2048 STS accepts/,
      ),
    ]);
  });

  it('lists every problem at once, each with its field path', () => {
    const raw = sample((raw) => {
      raw.alarmEmail = 'ops';
      raw.targets[0]!.durationSeconds = 7200;
      raw.targets[1]!.sandboxName = 'Prod';
      raw.targets[2]!.durationSeconds = 100;
    });

    expect(problemsOf(raw).map((problem) => problem.split(':')[0])).toEqual([
      'alarmEmail',
      'targets[0].durationSeconds',
      'targets[1].sandboxName',
      'targets[2].durationSeconds',
    ]);
  });

  it('prints the problems under the source of the configuration', () => {
    expect(() => parseRotatorConfig(single({}))).toThrow(
      /^Invalid rotator configuration \(cdk.json context "rotator"\):\n {2}- targets\[0\]: needs roleArn/,
    );
  });
});

describe('loadRotatorConfig', () => {
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it('reads the rotator context key', () => {
    expect(loadRotatorConfig(context({ rotator: rawSampleConfig() })).targets).toHaveLength(3);
  });

  it('reads a JSON string passed with -c rotator=...', () => {
    expect(loadRotatorConfig(context({ rotator: JSON.stringify(rawSampleConfig()) })).targets).toHaveLength(3);
  });

  it('prefers the file named by rotatorConfigFile and names it in problems', () => {
    const files: Record<string, string> = { 'prod.json': JSON.stringify(single({})) };

    expect(() =>
      loadRotatorConfig(
        context({ rotator: rawSampleConfig(), rotatorConfigFile: 'prod.json' }),
        (path) => files[path]!,
      ),
    ).toThrow(
      'Invalid rotator configuration (file "prod.json" (context "rotatorConfigFile")):\n  - targets[0]: needs roleArn',
    );
  });

  it.each([
    [
      'the configuration is missing',
      {},
      'rotator: is required; add it to the "context" of cdk.json, or pass -c rotatorConfigFile=<file.json>',
    ],
    [
      'the configuration file cannot be read',
      { rotatorConfigFile: 'missing.json' },
      'rotatorConfigFile: cannot read "missing.json" (ENOENT)',
    ],
    [
      'the configuration file is not JSON',
      { rotatorConfigFile: 'broken.json' },
      'rotatorConfigFile: broken.json:1:2: is not valid JSON (',
    ],
    [
      'the -c rotator string is not JSON',
      { rotator: '{targets:' },
      'rotator: is a string but not valid JSON: at 1:2, ',
    ],
  ])('fails when %s', (_name, values, expected) => {
    const readFile = (path: string) => {
      if (path === 'broken.json') return '{';
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    };
    expect(() => loadRotatorConfig(context(values), readFile)).toThrow(expected);
  });
});

describe('configWarnings', () => {
  it('warns, naming the connection and the fix, for each target whose credentials reach beyond its bucket', () => {
    const config = parseRotatorConfig({
      targets: [
        { connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r' },
        { connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', userCredentialsSecret: 'u' },
        {
          connectionId: '2b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          bucketName: 'acme',
          bucketAccount: '123456789012',
        },
        {
          connectionId: '3b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          createRole: { bucketName: 'acme', bucketAccount: '123456789012' },
        },
      ],
    });

    expect(configWarnings(config)).toEqual([
      `targets[0]: connection ${ID}: Adobe receives everything this role allows; add bucketName (and folderPath) ` +
        'so its credentials are narrowed to what Adobe reads',
      'targets[1]: connection 1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b: GetSessionToken credentials cannot be ' +
        'narrowed, so Adobe receives everything this IAM user allows; use "method": "get-federation-token" with ' +
        'bucketName (and folderPath): the same keys, narrowed to what Adobe reads',
    ]);
  });

  it('says what a fleet gives up with connectionMetrics false, as synth does', () => {
    const config = parseRotatorConfig({
      connectionMetrics: false,
      ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-tickets',
      targets: [
        {
          connectionId: ID,
          sandboxName: 'prod',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          bucketName: 'acme',
          bucketAccount: '123456789012',
        },
      ],
    });

    expect(config).toMatchObject({
      connectionMetrics: false,
      ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-tickets',
    });
    expect(configWarnings(config)).toEqual([
      expect.stringMatching(/^connectionMetrics: false: metrics carry no connectionId: .*notifies no one/),
    ]);
  });

  it("warns for each narrowed target whose bucket's owner is not pinned, at the field that pins it", () => {
    const config = parseRotatorConfig({
      targets: [
        { connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r', bucketName: 'acme' },
        {
          connectionId: '3b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          createRole: { bucketName: 'acme-aep' },
        },
      ],
    });

    expect(configWarnings(config)).toEqual([
      `targets[0].bucketAccount: connection ${ID}: nothing pins the account that owns "acme", so if the bucket is ` +
        "deleted and its name taken in another account, these credentials read that account's bucket; " +
        'add the 12-digit id of the account that owns it (the credentials then require it: s3:ResourceAccount)',
      expect.stringMatching(
        new RegExp(
          '^targets\\[1\\]\\.createRole\\.bucketAccount: connection 3b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b: ' +
            'nothing pins the account that owns "acme-aep"',
        ),
      ),
    ]);
  });

  it('warns for credentials that outlive four schedule intervals, as synth does', () => {
    const config = parseRotatorConfig(
      single(
        { roleArn: 'arn:aws:iam::123456789012:role/r', bucketName: 'acme', bucketAccount: '123456789012' },
        { schedule: 'rate(5 minutes)' },
      ),
    );

    expect(configWarnings(config)).toEqual([
      'targets[0]: its credentials live 3600 s, more than 4 schedule intervals (1200 s with "rate(5 minutes)"): ' +
        'a set of them that leaked stays valid that long, and the next rotation does not revoke it; ' +
        'lower their lifetime to 1200 s or less',
    ]);
  });
});
