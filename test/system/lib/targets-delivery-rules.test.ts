/**
 * How the targets travel: the rule (core/targets-delivery-rules.ts), and what synth, which
 * check-config runs in-process (lib/rotator-app.ts), refuses and warns about a configuration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { toTargetEntry, type FunctionTargetEntry } from '../../../core/contract.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import { synthesizeConfig } from '../../../lib/rotator-app.js';
import { S3CredentialRotatorValidationError, TargetsDelivery } from '../../../lib/s3-credential-rotator.js';
import {
  decideTargetsDelivery,
  estimatedTargetsBytes,
  MAX_TARGETS_ENV_BYTES,
} from '../../../core/targets-delivery-rules.js';
import { rawSampleConfig, removeTestOutdirs, synthRotatorStack } from '../../support/index.js';

const id = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;
const never = () => false;
/** The candidate lists when no entry carries a per-connection flag. */
const candidates = (narrowed: readonly FunctionTargetEntry[], unnarrowed: readonly FunctionTargetEntry[]) => ({
  narrowed: { flagged: narrowed, unflagged: narrowed },
  unnarrowed: { flagged: unnarrowed, unflagged: unnarrowed },
});

describe('decideTargetsDelivery', () => {
  /** The entry of target `n`: AssumeRole from the function's role on role `r<n>`, for an hour, and `extra`. */
  const chainedEntry = (n: number, extra: { bucketName?: string; folderPath?: string } = {}) =>
    toTargetEntry({
      connectionId: id(n),
      sandboxName: 'prod',
      method: 'assume-role-chained',
      roleArn: `arn:aws:iam::123456789012:role/r${n}`,
      durationSeconds: 3600,
      ...extra,
    });

  it('keeps a list in the environment while it fits, counting deploy-time values at their longest', () => {
    const entries = [
      toTargetEntry({
        connectionId: id(1),
        sandboxName: 'prod',
        method: 'assume-role-chained',
        roleArn: 'TOKEN',
        durationSeconds: 3600,
      }),
    ];
    expect(estimatedTargetsBytes(entries, (value) => value === 'TOKEN')).toBe(
      estimatedTargetsBytes(entries, never) - 'TOKEN'.length + 160,
    );
    expect(decideTargetsDelivery('auto', candidates(entries, entries), never)).toEqual({
      delivery: 'environment',
      narrowCreatedRoles: true,
      flagged: true,
    });
  });

  it('goes to a file beyond the limit, unless the list fits without created roles’ buckets', () => {
    const big = Array.from({ length: 40 }, (_, n) =>
      chainedEntry(n, { bucketName: 'acme-aep-landing', folderPath: 'crm/daily' }),
    );
    const small = big.map(({ bucketName: _b, folderPath: _f, ...entry }) => entry);
    expect(estimatedTargetsBytes(big, never)).toBeGreaterThan(MAX_TARGETS_ENV_BYTES);
    expect(decideTargetsDelivery('auto', candidates(big, big), never)).toEqual({
      delivery: 'file',
      narrowCreatedRoles: true,
      flagged: true,
    });
    expect(decideTargetsDelivery('auto', candidates(big, small.slice(0, 20)), never)).toEqual({
      delivery: 'environment',
      narrowCreatedRoles: false,
      flagged: true,
    });
    expect(decideTargetsDelivery('environment', candidates(big, big), never)).toEqual({
      delivery: 'environment',
      narrowCreatedRoles: true,
      flagged: true,
    });
  });

  it('keeps in the environment a list that fits only without the flags, as before (the check off for all)', () => {
    const entries = (count: number) => Array.from({ length: count }, (_, n) => chainedEntry(n));
    // As many as fit the environment without flags.
    let count = 1;
    while (estimatedTargetsBytes(entries(count + 1), never) <= MAX_TARGETS_ENV_BYTES) count += 1;
    const unflagged = entries(count);
    const flagged = unflagged.map((entry) => ({ ...entry, verifyWithAdobe: false }));
    expect(estimatedTargetsBytes(unflagged, never)).toBeLessThanOrEqual(MAX_TARGETS_ENV_BYTES);
    expect(estimatedTargetsBytes(flagged, never)).toBeGreaterThan(MAX_TARGETS_ENV_BYTES);

    expect(
      decideTargetsDelivery('auto', { narrowed: { flagged, unflagged }, unnarrowed: { flagged, unflagged } }, never),
    ).toEqual({
      delivery: 'environment',
      narrowCreatedRoles: true,
      flagged: false,
    });
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
      {
        connectionId: id(30),
        sandboxName: 'prod',
        createRole: { bucketName: 'acme-aep-landing', folderPath: 'crm/daily' },
      },
      {
        connectionId: id(31),
        sandboxName: 'prod',
        createRole: { bucketName: 'acme-aep-landing', folderPath: 'crm/weekly' },
      },
    ];
    return raw;
  };

  it('refuses in check-config what synth refuses: created roles without a name, once the list goes to a file', () => {
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
    raw.targets = raw.targets.slice(30).map((target, n) => ({
      ...target,
      createRole: { ...(target.createRole as object), roleName: `aep-reader-${n}` },
    }));
    try {
      const { stack } = synthRotatorStack({ config: parseRotatorConfig(raw) });
      expect(stack.rotator.targetsDelivery).toBe(TargetsDelivery.FILE);
      const file = readdirSync(join((stack.node.root as App).outdir, 'rotator-targets'))[0]!;
      const entries = JSON.parse(
        readFileSync(join((stack.node.root as App).outdir, 'rotator-targets', file), 'utf8'),
      ) as Array<{ roleArn: string }>;
      expect(entries.map((entry) => entry.roleArn)).toEqual([
        `arn:${partition}:iam::123456789012:role/aep-reader-0`,
        `arn:${partition}:iam::123456789012:role/aep-reader-1`,
      ]);
    } finally {
      removeTestOutdirs();
    }
  });

  it('keeps a large list in the environment with "targetsDelivery": "environment", as the advice says', () => {
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
  ): Record<string, unknown> & {
    targets: { connectionId: string; sandboxName: string; createRole: Record<string, string> }[];
  } => ({
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
      const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment
        .Variables as Record<string, unknown>;
      const warnings = Annotations.fromStack(stack)
        .findWarning('*', Match.stringLikeRegexp('^verifyWithAdobe: '))
        .map((warning) => String(warning.entry.data).replace(/ \[ack: [^\]]+\]$/, ''));
      return { rotator: stack.rotator, variables, warnings };
    } finally {
      removeTestOutdirs();
    }
  };
  /** Adobe's check stays on for every connection of `raw`, and neither synth nor check-config warns about it. */
  const expectAdobeCheckOn = (raw: Record<string, unknown>, synth: ReturnType<typeof synthesized>) => {
    expect(synth.rotator.verifiesWithAdobe).toBe(true);
    expect(synth.variables.VERIFY_WITH_ADOBE).toBeUndefined();
    expect(synth.warnings).toEqual([]);
    expect(
      synthesizeConfig(parseRotatorConfig(raw)).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: ')),
    ).toEqual([]);
  };

  it('is off for those connections alone; check-config and synth say so in the same words, with the way out', () => {
    const raw = crowded();
    // Nine created roles, and an existing role narrowed to its bucket, which keeps Adobe's check.
    raw.targets = raw.targets.slice(0, 9);
    raw.targets.push({
      connectionId: id(99),
      sandboxName: 'prod',
      roleArn: 'arn:aws:iam::123456789012:role/reader',
      bucketName: 'acme-web',
    } as never);
    const { rotator, variables, warnings } = synthesized(raw);
    const checked = synthesizeConfig(parseRotatorConfig(raw)).warnings.filter((warning) =>
      warning.startsWith('verifyWithAdobe: '),
    );
    const list = JSON.stringify(variables.ROTATION_TARGETS);

    expect(rotator.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
    expect(list).not.toContain('acme-aep-landing-bucket');
    // One flag per created role, none for the narrowed existing role; the function-wide switch stays on.
    expect(list.split('\\"verifyWithAdobe\\":false')).toHaveLength(10);
    expect(list).toContain('\\"bucketName\\":\\"acme-web\\"}');
    expect(variables.VERIFY_WITH_ADOBE).toBeUndefined();
    expect(rotator.verifiesWithAdobe).toBe(true);
    expect(rotator.connectionsWithoutAdobeCheck).toEqual(raw.targets.slice(0, 9).map((target) => target.connectionId));
    expect(checked).toHaveLength(1);
    expect(warnings).toEqual(checked);
    expect(checked[0]).toContain(`switched off for connections ${id(0)}, ${id(1)}, `);
    expect(checked[0]).toContain('every other connection keeps it');
    expect(checked[0]).toContain("Adobe would be asked to list the bucket's root, which a created role does not allow");
    expect(checked[0]).toContain(
      'set "targetsDelivery": "file" with createRole.roleName on every created role and an explicit account and region',
    );
  });

  it('is off for every connection, as before, for a list that fits the environment only without the flags', () => {
    // Ten created roles without a fixed name, with sandbox names just long enough that the flags no longer fit.
    const entries = (sandboxName: string, verifyWithAdobe?: boolean) =>
      Array.from({ length: 10 }, (_, n) =>
        toTargetEntry({
          connectionId: id(n),
          sandboxName,
          method: 'assume-role-chained',
          roleArn: 'TOKEN',
          durationSeconds: 3600,
          verifyWithAdobe,
        }),
      );
    const bytes = (sandboxName: string, verifyWithAdobe?: boolean) =>
      estimatedTargetsBytes(entries(sandboxName, verifyWithAdobe), (value) => value === 'TOKEN');
    let sandboxName = 'prod';
    while (bytes(sandboxName, false) <= MAX_TARGETS_ENV_BYTES) sandboxName += 'x';
    expect(bytes(sandboxName)).toBeLessThanOrEqual(MAX_TARGETS_ENV_BYTES);
    const raw = crowded();
    raw.targets = raw.targets.map((target) => ({
      ...target,
      sandboxName,
      createRole: { bucketName: 'acme-aep-landing-bucket-0123456789' },
    }));
    const { rotator, variables, warnings } = synthesized(raw);

    expect(rotator.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
    expect(variables.VERIFY_WITH_ADOBE).toBe('false');
    expect(JSON.stringify(variables.ROTATION_TARGETS)).not.toContain('verifyWithAdobe');
    expect(rotator.verifiesWithAdobe).toBe(false);
    expect(rotator.connectionsWithoutAdobeCheck).toHaveLength(10);
    expect(warnings[0]).toContain(
      "Adobe's check after each PATCH is switched off (VERIFY_WITH_ADOBE=false): the created role of connections ",
    );
  });

  it('stays on, without a warning, when the list carries every folder', () => {
    const few = crowded();
    few.targets = few.targets.slice(0, 3);
    const synth = synthesized(few);

    expect(JSON.stringify(synth.variables.ROTATION_TARGETS)).toContain('exports/crm/daily-0');
    expectAdobeCheckOn(few, synth);
  });

  it('stays on when the advice is followed: the list goes to a file with every folder', () => {
    const raw = crowded({ account: '123456789012', region: 'eu-west-1', targetsDelivery: 'file' });
    raw.targets = raw.targets.map((target, n) => ({
      ...target,
      createRole: { ...target.createRole, roleName: `aep-reader-${n}` },
    }));
    const synth = synthesized(raw);

    expect(synth.rotator.targetsDelivery).toBe(TargetsDelivery.FILE);
    expectAdobeCheckOn(raw, synth);
  });

  it('is off for a created role whose session policy would be too long for STS, even in a short list, alone', () => {
    const raw = crowded();
    raw.targets = [
      {
        connectionId: id(0),
        sandboxName: 'prod',
        createRole: { bucketName: 'acme-aep-landing', folderPath: `deep/${'f'.repeat(600)}` },
      },
    ];
    const { rotator, variables, warnings } = synthesized(raw);

    expect(JSON.stringify(variables.ROTATION_TARGETS)).not.toContain('bucketName');
    expect(JSON.stringify(variables.ROTATION_TARGETS)).toContain('\\"verifyWithAdobe\\":false');
    expect(rotator.connectionsWithoutAdobeCheck).toEqual([id(0)]);
    expect(warnings).toEqual(
      synthesizeConfig(parseRotatorConfig(raw)).warnings.filter((warning) => warning.startsWith('verifyWithAdobe: ')),
    );
    expect(warnings[0]).toContain(
      `switched off for connection ${id(0)} (their entries carry "verifyWithAdobe": false; ` +
        "every other connection keeps it): each one's created role reaches the function without its bucket and folder",
    );
  });

  it('says nothing when the configuration already turned the check off', () => {
    const { variables, warnings } = synthesized(crowded({ verifyWithAdobe: false }));

    expect(variables.VERIFY_WITH_ADOBE).toBe('false');
    expect(warnings).toEqual([]);
    expect(
      synthesizeConfig(parseRotatorConfig(crowded({ verifyWithAdobe: false }))).warnings.filter((warning) =>
        warning.startsWith('verifyWithAdobe: '),
      ),
    ).toEqual([]);
  });
});
