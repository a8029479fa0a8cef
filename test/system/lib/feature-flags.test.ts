/**
 * cdk.json pins every feature flag this aws-cdk-lib recommends, so `cdk synth` does not warn about
 * unconfigured flags, each at the recommended value unless that value would move this stack's
 * template; those few stay at the value that keeps it, and docs/DEPLOY.md says why. The template
 * is compared with cdk.json's flags and without any, for the sample and for configurations that
 * reach what the sample does not (a pinned region and partition, every guardrail, imported
 * secrets): a future flag change that moves a resource, a property or the stack's tags fails here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_CONTEXT_KEY, CONFIG_FILE_CONTEXT_KEY, parseRotatorConfig } from '../../../lib/config/config.js';
import { RotatorStack } from '../../../lib/rotator-stack.js';
import { PROJECT_ROOT, rawSampleConfig, sampleGuardrails } from '../../support/index.js';

/** Flags pinned at a value other than the recommended one, because the recommended one changes the template. */
const KEPT_FLAGS = {
  // Merges the function role's statements (their Sids are how docs/DEPLOY.md and the tests name them).
  '@aws-cdk/aws-iam:minimizePolicies': false,
  // With `region` configured, writes `arn:aws:` for `arn:${AWS::Partition}:` in policies and ARNs.
  '@aws-cdk/core:enablePartitionLiterals': false,
  // Drops the stack's own tags (`tags`), which CloudFormation propagates to every resource.
  '@aws-cdk/core:explicitStackTags': false,
  // Changes the AWS::CDK::Metadata resource: it would report construct properties to AWS too.
  '@aws-cdk/core:enableAdditionalMetadataCollection': false,
} as const;

const work = mkdtempSync(join(tmpdir(), 'rotator-flags-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** cdk.json's context without the rotator's own keys: the feature flags. */
function cdkJsonFlags(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(context).filter(([key]) => key !== CONFIG_CONTEXT_KEY && key !== CONFIG_FILE_CONTEXT_KEY),
  );
}

interface Synthesis {
  readonly template: Record<string, unknown>;
  /** The stack's own tags (the cloud assembly's, which `cdk deploy` sets on the stack). */
  readonly stackTags: Record<string, string>;
  readonly outdir: string;
}

/**
 * Synthesize the stack bin/app.ts would build from `raw`, with `flags` as context, as the CDK CLI
 * does (with version reporting on, so the AWS::CDK::Metadata resource is compared too).
 */
function synth(raw: unknown, flags: Record<string, unknown>, { bundle = false } = {}): Synthesis {
  const config = parseRotatorConfig(raw);
  const outdir = mkdtempSync(join(work, 'cdk.out-'));
  const app = new App({
    outdir,
    analyticsReporting: true,
    context: { ...flags, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new RotatorStack(app, config.stackName, {
    config,
    env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
  });
  const artifact = app.synth().getStackByName(stack.stackName);
  return { template: artifact.template as Record<string, unknown>, stackTags: artifact.tags, outdir };
}

/** Configurations that together reach every place a flag could touch. */
const CONFIGS: Record<string, () => Record<string, unknown>> = {
  'every guardrail on, paused, in a pinned account and region': () => ({
    ...rawSampleConfig(),
    ...sampleGuardrails(),
    enabled: false,
  }),
  'imported secrets and topic, in another partition': () => {
    const raw = rawSampleConfig();
    Object.assign(raw, {
      region: 'us-gov-west-1',
      adobeCredentialsSecret: {
        secretId: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:aep/adobe-Ab12Cd',
      },
      alarmTopicArn: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops-alarms',
    });
    delete raw.alarmEmail;
    return raw;
  },
};

describe("cdk.json's feature flags", () => {
  it('are flags this aws-cdk-lib knows, beside the rotator configuration', () => {
    const unknown = Object.keys(cdkJsonFlags()).filter((flag) => !(flag in FLAGS));

    expect(unknown).toEqual([]);
  });

  it('configure every flag the CDK CLI would warn about', () => {
    const { outdir } = synth(rawSampleConfig(), cdkJsonFlags());
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; properties?: unknown }>;
    };
    const report = Object.values(manifest.artifacts).find(({ type }) => type === 'cdk:feature-flag-report')!
      .properties as {
      flags: Record<
        string,
        { userValue?: unknown; recommendedValue?: unknown; unconfiguredBehavesLike?: { v2?: unknown } }
      >;
    };

    // The CDK CLI's own rule (`cdk flags`): not set, and the default is not the recommended value.
    const unconfigured = Object.entries(report.flags).filter(
      ([, flag]) =>
        flag.userValue === undefined &&
        JSON.stringify(flag.unconfiguredBehavesLike?.v2 ?? false) !== JSON.stringify(flag.recommendedValue),
    );
    expect(unconfigured.map(([name]) => name)).toEqual([]);
  });

  it('take the recommended value except for the flags kept for the template, which docs/DEPLOY.md names', () => {
    const flags = cdkJsonFlags();
    const notRecommended = Object.keys(flags).filter(
      (flag) =>
        JSON.stringify(flags[flag]) !==
        JSON.stringify((FLAGS as Record<string, { recommendedValue: unknown }>)[flag]?.recommendedValue),
    );

    expect(Object.fromEntries(notRecommended.map((flag) => [flag, flags[flag]]))).toEqual(KEPT_FLAGS);
    const deployGuide = readFileSync(join(PROJECT_ROOT, 'docs', 'DEPLOY.md'), 'utf8');
    for (const flag of Object.keys(KEPT_FLAGS))
      expect(deployGuide.includes(`\`${flag}\``), `docs/DEPLOY.md names ${flag}`).toBe(true);
  });

  it('leave the sample stack exactly as without them: every resource, property, output and the bundle', () => {
    const without = synth(rawSampleConfig(), {}, { bundle: true });
    const withFlags = synth(rawSampleConfig(), cdkJsonFlags(), { bundle: true });

    expect(Object.keys(withFlags.template.Resources as object).sort()).toEqual(
      Object.keys(without.template.Resources as object).sort(),
    );
    expect(withFlags.template).toEqual(without.template);
    expect(withFlags.stackTags).toEqual(without.stackTags);
  }, 60_000);

  it.each(Object.keys(CONFIGS))('leave the stack with %s exactly as without them, stack tags included', (name) => {
    const without = synth(CONFIGS[name]!(), {});
    const withFlags = synth(CONFIGS[name]!(), cdkJsonFlags());

    expect(withFlags.template).toEqual(without.template);
    expect(withFlags.stackTags).toEqual(without.stackTags);
  });

  it.each(Object.keys(KEPT_FLAGS))(
    'would move the template at the recommended value of %s, which is why it is kept',
    (flag) => {
      const recommended = {
        ...cdkJsonFlags(),
        [flag]: (FLAGS as Record<string, { recommendedValue: unknown }>)[flag]!.recommendedValue,
      };

      const moved = Object.values(CONFIGS).some((config) => {
        const kept = synth(config(), cdkJsonFlags());
        const changed = synth(config(), recommended);
        return (
          JSON.stringify([kept.template, kept.stackTags]) !== JSON.stringify([changed.template, changed.stackTags])
        );
      });
      expect(moved).toBe(true);
    },
  );
});
