/**
 * The README's "The function's contract" against the code: every field a connection's result can
 * carry (lambda/summary.ts, `ConnectionResult`) is listed in what the function returns.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const SUMMARY = readFileSync(new URL('../../../lambda/summary.ts', import.meta.url), 'utf8');

/** The field names of `interface ConnectionResult`, as the source declares them. */
function connectionResultFields(): string[] {
  const body = /export interface ConnectionResult \{([\s\S]*?)\n\}/.exec(SUMMARY)?.[1];
  if (!body) throw new Error('lambda/summary.ts has no ConnectionResult interface');
  return [...body.matchAll(/^\s+readonly (\w+)\??:/gm)].map((match) => match[1]!);
}

describe("README, The function's contract", () => {
  it('lists every field of a connection result in what the function returns', () => {
    const returns = /^Returns `([\s\S]*?)`\./m.exec(README)?.[1];
    expect(returns, 'README has no "Returns `...`." paragraph').toBeDefined();
    const fields = connectionResultFields();

    expect(fields).toContain('adobeVerified');
    expect(fields.filter((field) => !returns!.includes(`"${field}"`))).toEqual([]);
  });
});

/** The inspect result (lambda/inspect.ts) and each connection in it (lambda/inspect-connection.ts). */
const INSPECT = ['inspect.ts', 'inspect-connection.ts']
  .map((file) => readFileSync(new URL(`../../../lambda/${file}`, import.meta.url), 'utf8'))
  .join('\n');

/** The field names of an interface of lambda/inspect.ts or lambda/inspect-connection.ts. */
function inspectFields(name: string): string[] {
  const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(INSPECT)?.[1];
  if (!body) throw new Error(`lambda/inspect.ts and lambda/inspect-connection.ts have no ${name} interface`);
  return [...body.matchAll(/^\s+readonly (\w+)\??:/gm)].map((match) => match[1]!);
}

describe("README, The function's contract: inspect", () => {
  it('lists every field of an inspect result and of each connection in it', () => {
    const inspect = /^Inspect: ([\s\S]*?)`status` is built on it/m.exec(README)?.[1];
    expect(inspect, 'README has no "Inspect: ..." paragraph').toBeDefined();
    const fields = [...inspectFields('InspectedConnection'), ...inspectFields('InspectResult')];

    expect(fields).toContain('adobeVerified');
    expect(fields.filter((field) => !inspect!.includes(`"${field}"`))).toEqual([]);
  });
});
