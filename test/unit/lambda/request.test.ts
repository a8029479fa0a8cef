import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../../lambda/errors.js';
import { parseInvocation, parseRotationRequest } from '../../../lambda/request.js';

const ID = '4cb0c374-d3bb-4557-b139-5712880adc55';

describe('parseRotationRequest', () => {
  it('asks for unknown ids to be reported only when the request says "report"', () => {
    expect(parseRotationRequest({ connectionIds: [ID], unknownConnections: 'report' })).toEqual({
      connectionIds: [ID],
      dryRun: false,
      manual: true,
      reportUnknown: true,
    });
    expect(parseRotationRequest({ connectionIds: [ID], unknownConnections: 'reject' })).toEqual({
      connectionIds: [ID],
      dryRun: false,
      manual: true,
    });
    expect(() => parseRotationRequest({ connectionIds: [ID], unknownConnections: 'ignore' })).toThrow(
      'unknownConnections: must be "reject" or "report"',
    );
  });

  it.each([
    ['an EventBridge Scheduler event', { 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} }],
    [
      'an EventBridge rule event',
      { version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [] },
    ],
    ['no payload', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a string', 'rotate'],
  ])('rotates every target for %s', (_name, event) => {
    expect(parseRotationRequest(event)).toEqual({ dryRun: false, manual: false });
  });

  it('reads a manual request for some connections', () => {
    expect(parseRotationRequest({ connectionIds: [ID], dryRun: true })).toEqual({
      connectionIds: [ID],
      dryRun: true,
      manual: true,
    });
  });

  it('reads a manual dry run of every target', () => {
    expect(parseRotationRequest({ dryRun: true })).toEqual({ connectionIds: undefined, dryRun: true, manual: true });
  });

  it('reads {"dryRun": false}, DEPLOY.md\'s payload, as a manual run of every target ({} is a scheduled event)', () => {
    expect(parseRotationRequest({ dryRun: false })).toEqual({ connectionIds: undefined, dryRun: false, manual: true });
    const deploy = readFileSync(new URL('../../../docs/DEPLOY.md', import.meta.url), 'utf8');
    const payloads = [...deploy.matchAll(/--payload '([^']*)'/g)].map((match) => JSON.parse(match[1]!) as unknown);
    expect(payloads).toContainEqual({ dryRun: false });
    for (const payload of payloads) expect(parseRotationRequest(payload).manual).toBe(true);
    expect(deploy).not.toContain("('{}')");
  });

  it.each([
    [{ connectionIds: 'abc' }, 'connectionIds: must be an array of connection ids'],
    [{ connectionIds: ['abc'] }, 'connectionIds[0]: must be a connection id (uuid)'],
    [{ connectionIds: [] }, 'connectionIds: must list at least one connection id'],
    [{ connectionIds: [ID, ID.toUpperCase()] }, `connectionIds: lists ${ID.toUpperCase()} more than once`],
    [{ dryRun: 'yes' }, 'dryRun: must be true or false'],
    [
      { dryRun: true, connectionId: ID },
      'unknown field(s) connectionId; allowed: connectionIds, dryRun, unknownConnections, caller',
    ],
    [{ connectionIds: Array.from({ length: 5001 }, () => ID) }, 'connectionIds: must list at most 5000'],
  ])('rejects %j naming the field', (event, expected) => {
    expect(() => parseRotationRequest(event)).toThrow(RequestValidationError);
    expect(() => parseRotationRequest(event)).toThrow(expected);
  });
});

describe('parseInvocation', () => {
  it('reads an inspect request, with dryRun: true as the CLI sends it', () => {
    expect(parseInvocation({ inspect: true, probe: true, dryRun: true, unknownConnections: 'report' })).toEqual({
      kind: 'inspect',
      request: { probe: true, targetsOnly: false, reportUnknown: true },
    });
  });

  it("reads a discover request, of the sandboxes named (once each) or, with none, the targets' own", () => {
    expect(
      parseInvocation({ inspect: true, discover: true, sandboxes: ['prod', 'dev', 'prod'], dryRun: true }).request,
    ).toMatchObject({
      discover: ['prod', 'dev'],
    });
    expect(parseInvocation({ inspect: true, discover: true }).request).toMatchObject({ discover: [] });
  });

  it('never takes an event with an inspect field for a rotation of every target', () => {
    for (const event of [{ discover: true }, { sandboxes: ['prod'] }, { probe: true }, { targetsOnly: true }]) {
      expect(() => parseInvocation(event), JSON.stringify(event)).toThrow(RequestValidationError);
    }
    expect(() => parseInvocation({ inspect: true, sandboxes: ['prod'] })).toThrow(
      'sandboxes: only with "discover": true',
    );
    expect(() => parseInvocation({ inspect: true, discover: true, sandboxes: ['Prod_1'] })).toThrow(
      'must be a sandbox name',
    );
  });
});
