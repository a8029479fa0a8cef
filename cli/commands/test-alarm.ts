/**
 * `test-alarm`: prove that an alarm reaches someone before it has to. It moves one of the stack's
 * alarms to ALARM and back (CloudWatch `SetAlarmState`, which notifies the alarm's actions as a real
 * change would), and says, for each topic the alarm notifies, whether anyone has confirmed a
 * subscription to it: an e-mail subscription nobody confirmed receives nothing, and CloudWatch
 * cannot tell. A paused alarm's actions are enabled for the test and disabled again after it.
 */
import { STACK_ALARM_IDS } from '../../core/alarm-rules.js';
import type { CommandOptions } from '../args.js';
import { alarmRoute, setActions, setAlarmState, subscriptionsOf, type TopicSubscriptions } from '../alarm-route.js';
import { openDeployment } from '../context.js';
import { callerArn, deployCommand, suggest } from '../deployment.js';
import { CliError, EXIT, UsageError, withoutFullStop } from '../errors.js';
import { painterFor, printJson, TABLE_WIDTH, wantsJson, wrap, type Io } from '../output.js';

/** The alarm tested without `--alarm`: a run-level one, which pages (the per-connection ones may open tickets). */
export const DEFAULT_TEST_ALARM = 'ErrorsAlarm';

/**
 * The construct id in the name of one of the stack's alarms: `<function name>-<id>[Shard<n>]` as the
 * construct names them (core/operator-facts.ts), or `<stack>-<construct path><id>[Shard<n>]<8 hex>-<suffix>`
 * as CloudFormation named them before; undefined for any other name.
 */
export function alarmIdOf(name: string): string | undefined {
  for (const id of [...STACK_ALARM_IDS, ADOBE_SECRET_ROTATION_ALARM]) {
    const match = new RegExp(`(?:-${id}(Shard\\d+)?|${id}(Shard\\d+)?[0-9A-F]{8}-[A-Za-z0-9]+)$`).exec(name);
    if (match) return `${id}${match[1] ?? match[2] ?? ''}`;
  }
  return undefined;
}

/** The Adobe client secret rotation's alarm (not in `AlarmNames`: `pause` leaves it on). */
const ADOBE_SECRET_ROTATION_ALARM = 'AdobeSecretRotationFailedAlarm';

/** The stack's alarm `wanted` names: its full name, or its construct id. */
export function resolveAlarm(alarmNames: readonly string[], wanted: string): string {
  const exact = alarmNames.find((name) => name === wanted);
  if (exact) return exact;
  const byId = alarmNames.filter((name) => alarmIdOf(name) === wanted);
  if (byId.length === 1) return byId[0]!;
  const ids = alarmNames.map((name) => alarmIdOf(name) ?? name);
  throw new UsageError(`--alarm "${wanted}" is not one of the stack's alarms; they are ${ids.join(', ')}.`);
}

export async function testAlarmCommand(options: CommandOptions, io: Io): Promise<number> {
  const { deployment, aws } = await openDeployment(options, io);
  if (deployment.alarmNames.length === 0) {
    throw new CliError(
      `Function ${deployment.functionName} has no alarms: ` +
        `${deployment.alarmsGap ? withoutFullStop(deployment.alarmsGap) : 'none is named after it'}.`,
      EXIT.ENVIRONMENT,
    );
  }
  const name = resolveAlarm(deployment.alarmNames, options.alarm ?? DEFAULT_TEST_ALARM);
  const id = alarmIdOf(name) ?? name;

  const route = await alarmRoute(name, { ...aws, deploy: deployCommand(options) });
  if (route.state === 'ALARM') {
    const runbookAnchor = id.replace(/Shard\d+$/, '').toLowerCase();
    const another = id === DEFAULT_TEST_ALARM ? 'RotatorNotReportingAlarm' : DEFAULT_TEST_ALARM;
    throw new CliError(
      `${id} is in ALARM now: it notified when it went there, and may be a real incident ` +
        `(see docs/RUNBOOK.md#${runbookAnchor}). ` +
        `Test another alarm: ${suggest(`test-alarm --alarm ${another}`, options)}.`,
      EXIT.FAILED,
    );
  }
  const topics = await Promise.all(
    route.topics.map((topic) => subscriptionsOf(topic, { ...aws, deploy: deployCommand(options) })),
  );
  const caller = await callerArn(aws);
  const reason =
    `Test of the alarm's route by ${caller} (npx aep-s3-rotator test-alarm): not an incident; ` +
    `the alarm returns to ${route.state} at once.`;

  // A paused alarm notifies no one: switch its actions on for the test only.
  if (!route.actionsEnabled) await setActions(name, true, aws);
  try {
    await setAlarmState(name, 'ALARM', reason, aws);
    await setAlarmState(name, route.state as 'OK' | 'INSUFFICIENT_DATA', reason, aws);
  } finally {
    if (!route.actionsEnabled) await setActions(name, false, aws);
  }

  const unreached = topics.filter((topic) => topic.confirmed.length === 0);
  const ok = route.topics.length > 0 && unreached.length === 0;
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok,
      function: deployment.functionName,
      ...(deployment.stackName ? { stack: deployment.stackName } : {}),
      alarm: { id, name, state: route.state, actionsEnabled: route.actionsEnabled },
      topics: topics.map(({ topicArn, confirmed, pending }) => ({ topicArn, confirmed, pending })),
    });
    return ok ? EXIT.OK : EXIT.FAILED;
  }
  report(io, { id, name, route, topics });
  return ok ? EXIT.OK : EXIT.FAILED;
}

function report(
  io: Io,
  {
    id,
    name,
    route,
    topics,
  }: { id: string; name: string; route: Awaited<ReturnType<typeof alarmRoute>>; topics: readonly TopicSubscriptions[] },
): void {
  const paint = painterFor(io, 'stdout');
  const say = (label: string, tone: 'ok' | 'warning' | 'failure', text: string) =>
    io.stdout.write(`${wrap(`${label}: ${text}`, TABLE_WIDTH, 2).replace(label, paint(label, tone))}\n`);
  const back = route.state === 'INSUFFICIENT_DATA' ? 'INSUFFICIENT_DATA (which notifies no one)' : route.state;
  const paused = route.actionsEnabled ? '' : ' Its actions were off: they were switched on for the test and off again.';
  if (route.topics.length === 0) {
    say(
      'NOBODY RECEIVES IT',
      'failure',
      `${id} (${name}) went to ALARM and back to ${back}, but it notifies no SNS topic.${paused}`,
    );
    return;
  }
  say(
    'Moved',
    'ok',
    `${id} (${name}) to ALARM and back to ${back}: CloudWatch notified ` +
      `${topics.map((topic) => topic.topicArn).join(' and ')}.${paused}`,
  );
  const who = (list: TopicSubscriptions['confirmed']) =>
    list.map((entry) => `${entry.protocol} ${entry.endpoint}`).join(', ');
  for (const topic of topics) {
    const pending = topic.pending.length
      ? `; ${topic.pending.length} waiting for confirmation (${who(topic.pending)}), which receive nothing until ` +
        'their recipients confirm'
      : '';
    if (topic.confirmed.length > 0) {
      say(
        'Confirmed',
        'ok',
        `${topic.topicArn}: ${topic.confirmed.length} subscription${topic.confirmed.length === 1 ? '' : 's'} ` +
          `(${who(topic.confirmed)})${pending}.`,
      );
    } else {
      say(
        'NOBODY RECEIVES IT',
        'failure',
        `${topic.topicArn} has no confirmed subscription${pending}. Subscribe whoever is on call (alarmEmail in ` +
          'the configuration, or aws sns subscribe), and have them confirm.',
      );
    }
  }
  const check =
    'Check that the message arrived: CloudWatch cannot tell whether an e-mail, a chat or a pager received it ' +
    '(nor whether a KMS key policy let it publish to an encrypted topic).';
  io.stdout.write(`${wrap(check, TABLE_WIDTH, 2)}\n`);
}
