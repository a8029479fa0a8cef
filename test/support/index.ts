/**
 * Every test fixture, from one place: tests import from here and from nothing else in test/.
 *
 * - capture.ts: everything a run prints, and the secret search over it;
 * - rotation-harness.ts: the real handler against a seeded emulator world, with fast retries;
 * - config.ts: the cdk.json parser's refusals, the sample edited, one-target configurations;
 * - construct.ts: the construct alone in a stack, and the problems its props make synth refuse;
 * - cli-world.ts: the CLI in-process against the emulators and a deployed stack's stand-ins;
 * - contract.ts: replaying the recordings of Flow Service in test/contract/;
 * - cdk.ts: the sample configuration, synthesized stacks and the bundle `cdk deploy` would upload;
 * - target-rule-cases.ts: one target's mistakes, for the tests that each door applies the rule table.
 * - secret-rotation.ts: the Adobe secret's rotation driven in a world (RotateSecret, pauses between steps).
 * - recorded-requests.ts, emulator-faults.ts, ledger-harness.ts, adobe-probes.ts, fault-cases.ts,
 *   deployed-rotator.ts, cli-text.ts: what the emulators recorded, the services' refusals to inject,
 *   the harness with the ledger, Adobe's emulators asked directly, the fault matrix's cases, `rotate`'s
 *   CLI world, and the CLI's wrapped text read as one line.
 * - emulator-clients.ts: an SDK client signed as the operator, an IMS token, Flow Service's headers.
 * - sts-clients.ts: the STS emulator's tests' world, and a man in the middle of signed requests.
 * - explore-world.ts: the world of the tests of Flow Service's explore.
 * - flow-service-world.ts: the world of the Flow Service emulator's tests (one base connection).
 */
export * from './capture.js';
export * from './cdk.js';
export * from './cli-world.js';
export * from './config.js';
export * from './construct.js';
export * from './rotation-harness.js';
export * from './contract.js';
export * from './target-rule-cases.js';
export * from './secret-rotation.js';
export * from './recorded-requests.js';
export * from './emulator-faults.js';
export * from './ledger-harness.js';
export * from './adobe-probes.js';
export * from './fault-cases.js';
export * from './deployed-rotator.js';
export * from './cli-text.js';
export * from './emulator-clients.js';
export * from './sts-clients.js';
export * from './explore-world.js';
export * from './flow-service-world.js';

/** A scheduled event as EventBridge Scheduler sends it: every target is rotated. */
export const SCHEDULED_EVENT = {
  version: '0',
  'detail-type': 'Scheduled Event',
  source: 'aws.scheduler',
  detail: {},
} as const;
