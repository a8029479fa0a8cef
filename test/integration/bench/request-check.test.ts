/**
 * Checking what the emulators recorded against the rotation's request graph, and finding which
 * requests one connection's invocation waited for. Fake request logs and server spans; no
 * emulator or function runs here.
 */
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../emulators/types.js';
import { ROTATION_GRAPH, type RequestNode } from '../../../bench/floor.js';
import {
  expectedRequests,
  identifySpans,
  requestGraphProblem,
  requestMarks,
  waitedChain,
  waitedFor,
  type RecordingEmulators,
  type TimedRequest,
} from '../../../bench/request-check.js';
import type { ServerSpan } from '../../../bench/server-spans.js';

const CONNECTION = '/connections/4cb0a5f3-8d9a-4b7e-b2a1-0c6f7e8d9a10';
const request = (fields: Partial<RecordedRequest>): RecordedRequest => ({
  method: 'POST',
  path: '/',
  query: {},
  headers: {},
  body: '',
  receivedAt: 0,
  ...fields,
});

/** What each emulator records for one cold rotation of one connection, in the order it arrives there. */
const oneRotation = {
  secretsManager: [request({ action: 'GetSecretValue' })],
  ims: [request({ path: '/ims/token/v3' })],
  flowService: [
    request({ method: 'GET', path: CONNECTION }),
    request({ method: 'PATCH', path: CONNECTION }),
    request({ method: 'GET', path: `${CONNECTION}/explore` }),
    request({ method: 'GET', path: '/sourceConnections' }),
    request({ method: 'GET', path: '/connections' }),
  ],
  sts: [request({ action: 'AssumeRole' }), request({ action: 'GetCallerIdentity' })],
};

const PORTS = { secretsManager: 4001, ims: 4002, flowService: 4003, sts: 4004 } as const;
type Service = keyof typeof PORTS;

function fakeEmulators(requests: Record<Service, RecordedRequest[]>): RecordingEmulators {
  const emulator = (service: Service) => ({
    url: `http://127.0.0.1:${PORTS[service]}`,
    requests: [...requests[service]],
  });
  return {
    secretsManager: emulator('secretsManager'),
    ims: emulator('ims'),
    flowService: emulator('flowService'),
    sts: emulator('sts'),
  } as unknown as RecordingEmulators;
}

const serverOn = (service: Service) => ({ address: () => ({ port: PORTS[service] }) }) as unknown as Server;
const node = (id: string): RequestNode => ROTATION_GRAPH.find((candidate) => candidate.id === id)!;
const timed = (id: string, start: number, finish: number): TimedRequest => ({ node: node(id), start, finish });

describe('expectedRequests', () => {
  it(
    'counts the token once per container, the secret once per invocation, the listing once per sandbox and ' +
      'invocation and the rest once per connection and invocation',
    () => {
      expect(Object.fromEntries(expectedRequests(ROTATION_GRAPH, 10, 2, 2))).toEqual({
        'SM GetSecretValue': 2,
        'IMS token': 1,
        'Flow GET': 20,
        'STS AssumeRole': 20,
        'STS GetCallerIdentity': 20,
        'Flow PATCH': 20,
        'Flow explore': 20,
        'Flow source connections': 20,
        'Flow connections listing': 4,
      });
    },
  );
});

describe('requestGraphProblem', () => {
  it('is empty when a run made exactly the requests the graph predicts', () => {
    expect(
      requestGraphProblem(
        ROTATION_GRAPH,
        fakeEmulators(oneRotation),
        requestMarks(fakeEmulators({ secretsManager: [], ims: [], flowService: [], sts: [] })),
        1,
        1,
      ),
    ).toBe('');
  });

  it('counts only the requests recorded after the marks', () => {
    // Prepare: a run already recorded, marked, then a second invocation (the token is cached).
    const emulators = fakeEmulators(oneRotation);
    const marks = requestMarks(emulators);
    emulators.secretsManager.requests.push(...oneRotation.secretsManager);
    emulators.flowService.requests.push(...oneRotation.flowService);
    emulators.sts.requests.push(...oneRotation.sts);

    // Act
    const problem = requestGraphProblem(ROTATION_GRAPH, emulators, marks, 1, 1);

    // Assess: the IMS token is missing from the second invocation alone, as for a container's second invocation.
    expect(problem).toBe('IMS token: 0 (expected 1)');
  });

  it('names each request counted a different number of times, and the requests outside the graph', () => {
    const emulators = fakeEmulators({
      ...oneRotation,
      flowService: [
        ...oneRotation.flowService,
        request({ method: 'PATCH', path: CONNECTION }),
        request({ method: 'GET', path: '/flows' }),
      ],
    });
    const none = { secretsManager: 0, ims: 0, flowService: 0, sts: 0 };
    expect(requestGraphProblem(ROTATION_GRAPH, emulators, none, 1, 1)).toBe(
      'Flow PATCH: 2 (expected 1); 1 requests outside the graph',
    );
  });
});

describe('identifySpans', () => {
  it('pairs each server span with the request its emulator recorded in the same place, in start order', () => {
    // Prepare: spans of the same requests, per server in arrival order, listed out of order.
    const spans: ServerSpan[] = [
      { server: serverOn('sts'), start: 0, finish: 20 },
      { server: serverOn('flowService'), start: 60, finish: 80 },
      { server: serverOn('secretsManager'), start: 1, finish: 21 },
      { server: serverOn('sts'), start: 21, finish: 41 },
      { server: serverOn('ims'), start: 22, finish: 42 },
      { server: serverOn('flowService'), start: 43, finish: 59 },
      { server: serverOn('flowService'), start: 81, finish: 101 },
    ];
    const none = { secretsManager: 0, ims: 0, flowService: 0, sts: 0 };

    // Act
    const identified = identifySpans(fakeEmulators(oneRotation), ROTATION_GRAPH, none, spans);

    // Assess
    expect(identified.map((request) => [request.node.id, request.start])).toEqual([
      ['STS AssumeRole', 0],
      ['SM GetSecretValue', 1],
      ['STS GetCallerIdentity', 21],
      ['IMS token', 22],
      ['Flow GET', 43],
      ['Flow PATCH', 60],
      ['Flow explore', 81],
    ]);
  });

  it('leaves out a span whose response never finished', () => {
    const none = { secretsManager: 0, ims: 0, flowService: 0, sts: 0 };
    const identified = identifySpans(fakeEmulators(oneRotation), ROTATION_GRAPH, none, [
      { server: serverOn('ims'), start: 5 },
    ]);
    expect(identified).toEqual([]);
  });
});

describe('waitedChain', () => {
  it('follows the dependency that answered last back from the last answer: a cold chain from secret to listing', () => {
    const invocation = [
      timed('SM GetSecretValue', 0, 20),
      timed('IMS token', 21, 41),
      timed('Flow GET', 42, 62),
      timed('STS AssumeRole', 63, 83),
      timed('STS GetCallerIdentity', 84, 104),
      timed('Flow PATCH', 105, 125),
      timed('Flow explore', 126, 146),
      timed('Flow source connections', 147, 167),
      timed('Flow connections listing', 168, 188),
    ];
    expect(waitedChain(invocation).map((request) => request.node.id)).toEqual(
      invocation.map((request) => request.node.id),
    );
  });

  it('stops at a request whose dependencies were not recorded: a warm GET waits for nothing it made', () => {
    const invocation = [
      timed('Flow GET', 0, 20),
      timed('STS AssumeRole', 21, 45),
      timed('STS GetCallerIdentity', 46, 66),
      timed('Flow PATCH', 67, 87),
    ];
    expect(waitedChain(invocation).map((request) => request.node.id)).toEqual([
      'Flow GET',
      'STS AssumeRole',
      'STS GetCallerIdentity',
      'Flow PATCH',
    ]);
  });

  it('sums the server-side time of the requests waited for', () => {
    const invocation = [
      timed('Flow GET', 0, 20),
      timed('STS AssumeRole', 21, 45),
      timed('STS GetCallerIdentity', 46, 66),
      timed('Flow PATCH', 67, 87),
      timed('Flow explore', 88, 108),
    ];
    expect(waitedFor(invocation)).toEqual({ hops: 5, serverMs: 20 + 24 + 20 + 20 + 20 });
    expect(waitedFor([])).toEqual({ hops: 0, serverMs: 0 });
  });
});
