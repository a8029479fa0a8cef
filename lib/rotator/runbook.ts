/**
 * Where alarm descriptions send the operator by default: the runbook of the very version of the
 * package the stack was built with, as published (every file of every npm version is served at
 * `https://unpkg.com/<name>@<version>/<path>`), so the link works in any app that installs it. In
 * this project, which runs the construct from source and is not a published version, the link is
 * the runbook's path in the checkout, and the construct warns at synth (see `runbookUrl`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { prebuiltFunctionDir } from './function.js';

/** The runbook's path in this project (and in the package). */
export const RUNBOOK_PATH = 'docs/RUNBOOK.md';

/** The installed package's name and version (dist/function/ → the package root), or undefined from source. */
function installedPackage(): { readonly name: string; readonly version: string } | undefined {
  const prebuilt = prebuiltFunctionDir();
  if (!prebuilt) return undefined;
  const { name, version } = JSON.parse(readFileSync(join(prebuilt, '..', '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name, version };
}

/** The runbook link of an installed package, at its version; undefined when the construct runs from source. */
export function publishedRunbookUrl(): string | undefined {
  const installed = installedPackage();
  return installed && `https://unpkg.com/${installed.name}@${installed.version}/${RUNBOOK_PATH}`;
}

/**
 * The link alarm descriptions end with: `runbookUrl`, else the installed package's runbook. Run
 * from source there is none anyone else can open: the link is the path in this project, with a
 * warning at synth.
 */
export function runbookUrlFor(scope: Construct, runbookUrl: string | undefined): string {
  if (runbookUrl !== undefined) return runbookUrl;
  const published = publishedRunbookUrl();
  if (published) return published;
  Annotations.of(scope).addWarningV2(
    'aep-s3-rotator:runbook-url',
    `runbookUrl: alarm descriptions link "${RUNBOOK_PATH}", a path in this project's checkout, ` +
      'which operators elsewhere cannot open; set runbookUrl to where they read the runbook (its URL in your ' +
      'repository or wiki)',
  );
  return RUNBOOK_PATH;
}
