/**
 * `check-config`'s problems as an operator reads them: the value it got, what was probably meant
 * (a near name, the case, quotes), and never more than the start of what may be a pasted secret.
 */
import { describe, expect, it } from 'vitest';
import { VALID, scratchProject } from './check-config-project.js';

const project = scratchProject();

describe('check-config', () => {
  it.each([
    ['stackName', { stackName: '1st-stack' }, '"1st-stack"'],
    ['account', { account: '12345' }, '"12345"'],
    ['region', { region: 'Frankfurt' }, '"Frankfurt"'],
    ['concurrency', { concurrency: 0 }, '0'],
    ['concurrency', { concurrency: 65 }, '65'],
    ['logRetentionDays', { logRetentionDays: 10 }, '10'],
    ['alarmEmail', { alarmEmail: 'ops' }, '"ops"'],
    ['alarmTopicArn', { alarmTopicArn: 'ops-alarms' }, '"ops-alarms"'],
    ['reserveConcurrency', { reserveConcurrency: 'yes' }, '"yes"'],
    ['functionRoleName', { functionRoleName: 'a role' }, '"a role"'],
    ['targets[0].connectionId', { targets: [{ ...VALID.targets[0], connectionId: 'conn-1' }] }, '"conn-1"'],
    ['targets[0].roleArn', { targets: [{ ...VALID.targets[1], roleArn: 'aep-reader' }] }, '"aep-reader"'],
    [
      'targets[0].externalId',
      { targets: [{ ...VALID.targets[1], roleArn: 'arn:aws:iam::123456789012:role/r', externalId: 'x' }] },
      '"x"',
    ],
    ['targets[0].durationSeconds', { targets: [{ ...VALID.targets[1], durationSeconds: 3600.5 }] }, '3600.5'],
    [
      'targets[0].createRole.roleName',
      { targets: [{ ...VALID.targets[0], createRole: { bucketName: 'acme-landing', roleName: 'a role' } }] },
      '"a role"',
    ],
  ])('shows the value it got in a problem with %s', async (field, change, shown) => {
    project.writeCdkJson({ ...VALID, ...change });

    const { problems } = JSON.parse((await project.cli(['check-config', '--json'])).stdout);

    expect(problems).toContainEqual({ field, message: expect.stringContaining(shown) });
  });

  it.each([
    [
      'a sandbox name in capitals',
      { targets: [{ ...VALID.targets[0], sandboxName: 'EMEA-Stage' }] },
      'targets[0].sandboxName',
      '; got "EMEA-Stage" (did you mean "emea-stage"?)',
    ],
    ['a region in capitals', { region: 'EU-WEST-1' }, 'region', '; got "EU-WEST-1" (did you mean "eu-west-1"?)'],
    [
      'a misspelt target field',
      { targets: [{ ...VALID.targets[1], durationSecond: 3600 }] },
      'targets[0]',
      'unknown field(s) durationSecond (did you mean durationSeconds?); allowed: ',
    ],
    [
      'a misspelt top-level key',
      { schedul: 'rate(15 minutes)' },
      '(top level)',
      'unknown field(s) schedul (did you mean schedule?)',
    ],
    [
      'a key in the wrong case',
      { Region: 'eu-west-1' },
      '(top level)',
      'unknown field(s) Region (did you mean region?)',
    ],
    [
      'a createRole field',
      { targets: [{ ...VALID.targets[0], createRole: { bucketName: 'acme-landing', foldrPath: 'crm' } }] },
      'targets[0].createRole',
      'unknown field(s) foldrPath (did you mean folderPath?)',
    ],
    [
      'a method with an underscore',
      { targets: [{ ...VALID.targets[1], method: 'get_federation_token', bucketName: 'acme-dev' }] },
      'targets[0].method',
      '; did you mean "get-federation-token"?',
    ],
    ['a number in quotes', { concurrency: '8' }, 'concurrency', '; got "8" (did you mean 8, without quotes?)'],
    [
      'a boolean in quotes',
      { reserveConcurrency: 'false' },
      'reserveConcurrency',
      '; got "false" (did you mean false, without quotes?)',
    ],
  ])('suggests what was meant for %s', async (_case, change, field, hint) => {
    project.writeCdkJson({ ...VALID, ...change });

    const result = await project.cli(['check-config'], { tty: true });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`  ${field}: `);
    expect(result.stdout.split('\n').find((line) => line.startsWith(`  ${field}: `))).toContain(hint);
  });

  it('does not suggest anything for a name that is not close to a known one', async () => {
    project.writeCdkJson({ ...VALID, frobnicate: 1 });

    const result = await project.cli(['check-config', '--json']);

    expect(JSON.parse(result.stdout).problems).toEqual([
      { field: '(top level)', message: expect.stringMatching(/^unknown field\(s\) frobnicate; allowed: stackName, /) },
    ]);
  });

  it('shows only the start of what may be a secret pasted where its name belongs', async () => {
    const pasted = JSON.stringify({ clientId: 'abc', clientSecret: 'p8e-Sup3rS3cretClientSecretValue' });
    project.writeCdkJson({ ...VALID, adobeCredentialsSecret: pasted });

    const result = await project.cli(['check-config', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([
      {
        field: 'adobeCredentialsSecret.secretId',
        message: expect.stringMatching(
          new RegExp(
            `; got "\\{"cl…" \\(${pasted.length} characters, not shown in full in case it is a secret rather than ` +
              'its name\\)$',
          ),
        ),
      },
    ]);
    expect(result.stdout).not.toContain('Sup3rS3cret');
  });
});
