/**
 * Emulator-side timing: when each request reached an emulator's HTTP server and when its response
 * finished, taken from node:http's diagnostics channels in the bench's own process (where the
 * emulators run), so the emulators need no timing code of their own.
 */
import dc from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';

/** Server-side start and finish of one request an emulator handled (performance.now clock). */
export interface ServerSpan {
  readonly server: Server;
  readonly start: number;
  finish?: number;
}

const spans: ServerSpan[] = [];
const openSpans = new WeakMap<IncomingMessage, ServerSpan>();
let recording = false;

// Subscribed once, when the bench starts, and for the whole run rather than only while recording:
// node:http publishes only while a channel has subscribers, so every run, traced or not, pays the
// same small cost on the emulators' side.
dc.subscribe('http.server.request.start', (message) => {
  if (!recording) return;
  const { request, server } = message as { request: IncomingMessage; server: Server };
  const span: ServerSpan = { server, start: performance.now() };
  spans.push(span);
  openSpans.set(request, span);
});
dc.subscribe('http.server.response.finish', (message) => {
  const span = openSpans.get((message as { request: IncomingMessage }).request);
  if (span) span.finish = performance.now();
});

/** Start recording the spans of every request any HTTP server in this process receives, forgetting earlier ones. */
export function startRecordingServerSpans(): void {
  spans.length = 0;
  recording = true;
}

/** Stop recording; the spans recorded since {@link startRecordingServerSpans}, in arrival order. */
export function stopRecordingServerSpans(): ServerSpan[] {
  recording = false;
  return [...spans];
}
