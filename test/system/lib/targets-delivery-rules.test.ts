/**
 * How the targets travel: the rule (core/targets-delivery-rules.ts), and what synth, which
 * check-config runs in-process (lib/rotator-app.ts), refuses and warns about a configuration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { toTargetEntry } from '../../../core/contract.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import { synthesizeConfig } from '../../../lib/rotator-app.js';
import { S3CredentialRotatorValidationError, TargetsDelivery } from '../../../lib/s3-credential-rotator.js';
import { decideTargetsDelivery, estimatedTargetsBytes, MAX_TARGETS_ENV_BYTES } from '../../../core/targets-delivery-rules.js';
import { rawSampleConfig, removeTestOutdirs, synthRotatorStack } from '../../support/index.js';

const id = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;
const never = () => false;

describe('decideTargetsDelivery', () => {
  it('keeps a list in the environment while it fits, counting deploy-time values at their longest', () => {
    const entries = [toTargetEntry({ connectionId: id(1), sandboxName: 'prod', method: 'assume-role-chained', roleArn: 'TOKEN', durationSeconds: 3600 })];
    expect(estimatedTargetsBytes(entries, (value) => value === 'TOKEN')).toBe(estimatedTargetsBytes(entries, never) - 'TOKEN'.length + 160);
    expect(decideTargetsDelivery('auto', { narrowed: entries, unnarrowed: entries }, never)).toEqual({ delivery: 'environment', narrowCreatedRoles: true });
  });

  it('goes to a file beyond the limit, unless the list fits without created roles’ buckets', () => {
    const big = Array.from({ length: 40 }, (_, n) =>
      toTargetEntry({
        connectionId: id(n),
        sandboxName: 'prod',
        method: 'assume-role-chained',
        roleArn: `arn:aws:iam::123456789012:role/r${n}`,
        durationSeconds: 3600,
        bucketName: 'acme-aep-landing',
        folderPath: 'crm/daily',
      }),
    );
    const small = big.map(({ bucketName: _b, folderPath: _f, ...entry }) => entry);
    expect(estimatedTargetsBytes(big, never)).toBeGreaterThan(MAX_TARGETS_ENV_BYTES);
    expect(decideTargetsDelivery('auto', { narrowed: big, unnarrowed: big }, never)).toEqual({ delivery: 'file', narrowCreatedRoles: true });
    expect(decideTargetsDelivery('auto', { narrowed: big, unnarrowed: small.slice(0, 20) }, never)).toEqual({
      delivery: 'environment',
      narrowCreatedRoles: false,
    });
    expect(decideTargetsDelivery('environment', { narrowed: big, unnarrowed: big }, never)).toEqual({ delivery: 'environment', narrowCreatedRoles: true });
  });
});

describe('check-config and synth agree on a large configuration', () => {
  /** 30 targets with existing roles and two whose role the stack creates, without a fixed name. */
  const large = () => {
    const raw = rawSampleConfig();
    raw.targets = [
      ...Array.from({ length: 30 }, (_, n) => ({
        connectionId: id(n),
        sandboxName: 'prod',
        roleArn: `arn:aws:iam::123456789012:role/reader-${n}`,
        bucketName: 'acme-aep-landing',
        folderPath: `feeds/${n}`,
      })),
      { connectionId: id(30), sandboxName: 'prod', createRole: { bucketName: 'acme-aep-landing', folderPath: 'crm/daily' } },
      { connectionId: id(31), sandboxName: 'prod', createRole: { bucketName: 'acme-aep-landing', folderPath: 'crm/weekly' } },
    ];
    return raw;
  };

  it('refuses in check-config exactly what synth refuses: the created roles without a name, once the list must go to a file', () => {
    // check-config builds the stack as synth does, so the verdict is synth's own.
    const config = parseRotatorConfig(large());
    const verdict = synthesizeConfig(config);
    let synthesized: unknown;
    try {
      synthRotatorStack({ config });
    } catch (error) {
      synthesized = error;
    } finally {
      removeTestOutdirs();
    }

    expect(synthesized).toBeInstanceOf(S3CredentialRotatorValidationError);
    expect(verdict.problems).toEqual((synthesized as S3CredentialRotatorValidationError).problems);
    expect(verdict.problems).toEqual([
      expect.stringMatching(/^targets\[30\]\.createRole: the targets go to a bundled file/),
      expect.stringMatching(/^targets\[31\]\.createRole: the targets go to a bundled file/),
    ]);
  });

  it.each([
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])("writes a created role's ARN in %s's partition (%s) into a bundled file", (region, partition) => {
    const raw = { ...large(), account: '123456789012', region, targetsDelivery: 'file' };
    raw.targets = raw.targets.slice(30).map((target, n) => ({ ...target, createRole: { ...(target.createRole as object), roleName: `aep-reader-${n}` } }));
    try {
      const { stack } = synthRotatorStack({ config: parseRotatorConfig(raw) });
      expect(stack.rotator.targetsDelivery).toBe(TargetsDelivery.FILE);
      const file = readdirSync(join((stack.node.root as App).outdir, 'rotator-targets'))[0]!;
      const entries = JSON.parse(readFileSync(join((stack.node.root as App).outdir, 'rotator-targets', file), 'utf8')) as Array<{ roleArn: string }>;
      expect(entries.map((entry) => entry.roleArn)).toEqual([
        `arn:${partition}:iam::123456789012:role/aep-reader-0`,
        `arn:${partition}:iam::123456789012:role/aep-reader-1`,
      ]);
    } finally {
      removeTestOutdirs();
    }
  });

  it('lets the configuration keep a large list in the environment with "targetsDelivery": "environment", as the advice says', () => {
    const config = parseRotatorConfig({ ...large(), targetsDelivery: 'environment' });
    try {
      const { stack } = synthRotatorStack({ config });
      expect(stack.rotator.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
    } finally {
      removeTestOutdirs();
    }
  });

  it('refuses a targetsDelivery it does not know, naming the value', () => {
    expect(() => parseRotatorConfig({ ...rawSampleConfig(), targetsDelivery: 'bundle' })).toThrow(
      'targetsDelivery: "bundle" is not a delivery; use one of "auto", "environment", "file"',
    );
  });
});

describe("Adobe's check, when created roles reach the function without their folder", () => {
  /** Created roles without a fixed name: their list fits the environment only without their buckets and folders. */
  const crowded = (
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> & { targets: { connectionId: string; sandboxName: string; createRole: Record<string, string> }[] } => ({
    ...rawSampleConfig(),
    ...extra,
    targets: Array.from({ length: 10 }, (_, n) => ({
      connectionId: id(n),
      sandboxName: 'prod',
      createRole: { bucketName: 'acme-aep-landing-bucket-0123456789', folderPath: `exports/crm/daily-${n}` },
    })),
  });
  const synthesized = (raw: Record<string, unknown>) => {
    try {
      const { stack, template } = synthRotatorStack({ config: parseRotatorConfig(raw) });
      const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables as Record<string, unknown>;
      const warnings = Annotations.fromStack(stack)
        .findWarning('*', Match.stringLikeRegexp('^verifyWithAdobe: '))
        .map((warning) => String(warning.entry.data).replace(/ \[ack: [^\]]+\]$/, ''));
      return { rotator: stack.rotator, variables, warnings };
    } finally {
      removeTestOutdirs();
    }
  };

  it('is switched off, and check-config (synth in-process) and synth say so in the same words, naming the connections and the way to keep it', () => {
    const { rotator, variables, warnings } = synthesized(crowded());
    const checked = synthesizeConfig(parseRotatorConfig(crowded())).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: '));

    expect(rotator.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
    expect(JSON.stringify(variables.ROTATION_TARGETS)).not.toContain('bucketName');
    expect(rotator.verifiesWithAdobe).toBe(false);
    expect(variables.VERIFY_WITH_ADOBE).toBe('false');
    expect(checked).toHaveLength(1);
    expect(warnings).toEqual(checked);
    expect(checked[0]).toContain(`the created role of connections ${id(0)}, ${id(1)}, `);
    expect(checked[0]).toContain("Adobe would be asked to list the bucket's root, which a created role does not allow");
    expect(checked[0]).toContain('set "targetsDelivery": "file" with createRole.roleName on every created role and an explicit account and region');
  });

  it('stays on, without a warning, when the list carries every folder', () => {
    const few = crowded();
    few.targets = few.targets.slice(0, 3);
    const { rotator, variables, warnings } = synthesized(few);

    expect(JSON.stringify(variables.ROTATION_TARGETS)).toContain('exports/crm/daily-0');
    expect(rotator.verifiesWithAdobe).toBe(true);
    expect(variables.VERIFY_WITH_ADOBE).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(synthesizeConfig(parseRotatorConfig(few)).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: '))).toEqual([]);
  });

  it('stays on when the advice is followed: the list goes to a file with every folder', () => {
    const raw = crowded({ account: '123456789012', region: 'eu-west-1', targetsDelivery: 'file' });
    raw.targets = raw.targets.map((target, n) => ({ ...target, createRole: { ...target.createRole, roleName: `aep-reader-${n}` } }));
    const { rotator, variables, warnings } = synthesized(raw);

    expect(rotator.targetsDelivery).toBe(TargetsDelivery.FILE);
    expect(rotator.verifiesWithAdobe).toBe(true);
    expect(variables.VERIFY_WITH_ADOBE).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(synthesizeConfig(parseRotatorConfig(raw)).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: '))).toEqual([]);
  });

  it('is switched off for a created role whose session policy would be too long for STS, even in a short list', () => {
    const raw = crowded();
    raw.targets = [{ connectionId: id(0), sandboxName: 'prod', createRole: { bucketName: 'acme-aep-landing', folderPath: `deep/${'f'.repeat(600)}` } }];
    const { rotator, variables, warnings } = synthesized(raw);

    expect(JSON.stringify(variables.ROTATION_TARGETS)).not.toContain('bucketName');
    expect(rotator.verifiesWithAdobe).toBe(false);
    expect(warnings).toEqual(synthesizeConfig(parseRotatorConfig(raw)).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: ')));
    expect(warnings[0]).toContain(`the created role of connection ${id(0)} reaches the function without its bucket and folder`);
  });

  it('says nothing when the configuration already turned the check off', () => {
    const { variables, warnings } = synthesized(crowded({ verifyWithAdobe: false }));

    expect(variables.VERIFY_WITH_ADOBE).toBe('false');
    expect(warnings).toEqual([]);
    expect(
      synthesizeConfig(parseRotatorConfig(crowded({ verifyWithAdobe: false }))).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: ')),
    ).toEqual([]);
  });
});
