/**
 * The CDK app's one stack, built from a validated configuration: `bin/app.ts` synthesizes it for
 * `cdk synth`, and `check-config` builds the very same stack in-process, with bundling skipped, so
 * what the CLI says and what synth does cannot drift apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { RotatorConfig } from './config/config.js';
import { RotatorStack } from './rotator-stack.js';
import { S3CredentialRotatorValidationError } from './rotator/props.js';

/** The rotator's stack in `app`, named, placed and configured as `config` says. */
export function addRotatorStack(app: App, config: RotatorConfig): RotatorStack {
  return new RotatorStack(app, config.stackName, {
    config,
    env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
  });
}

/** What synth says about a configuration: the construct's refusals, or its warnings. */
export interface SynthVerdict {
  /** What the construct refused (each starting with its field); empty when synth passed. */
  readonly problems: readonly string[];
  /** The warnings synth shows, without their acknowledgement ids. */
  readonly warnings: readonly string[];
}

/**
 * Synthesize `config` as `cdk synth` would, without bundling the function (the step that needs
 * esbuild and takes the time; `cdk synth --exclusively` skips it the same way), into a temporary
 * directory removed afterwards.
 */
export function synthesizeConfig(config: RotatorConfig): SynthVerdict {
  const outdir = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-check-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    try {
      addRotatorStack(app, config);
    } catch (error) {
      if (error instanceof S3CredentialRotatorValidationError) return { problems: error.problems, warnings: [] };
      throw error;
    }
    const warnings = app
      .synth()
      .stacks.flatMap((stack) => stack.messages)
      .filter((message) => message.level === 'warning')
      .map((message) => withoutAcknowledgement(String(message.entry.data)));
    return { problems: [], warnings };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** CDK ends a warning added with an id with ` [ack: <id>]`, which says how to acknowledge it, not what is wrong. */
function withoutAcknowledgement(text: string): string {
  const at = text.lastIndexOf(' [ack: ');
  return at >= 0 && text.endsWith(']') ? text.slice(0, at) : text;
}
