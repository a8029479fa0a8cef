/**
 * The sandbox's alarms are the deployed ones: the CloudWatch stand-in's definitions
 * (emulators/stack-alarms.ts) against the alarms synthesized from the sample configuration, with
 * the function's name in place of its `Ref`: the same metric or query, statistic, threshold,
 * comparison and treatment of missing data.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AlarmDefinition } from '../../../emulators/cloudwatch-alarms.js';
import { ALARM_IDS, stackAlarmDefinitions } from '../../../emulators/stack-alarms.js';
import { logicalIdOf, removeTestOutdirs, sampleConfig, synthRotatorStack } from '../../support/index.js';

afterAll(removeTestOutdirs);

const FUNCTION_NAME = 'Sample-RotatorFunction';
const logicalId = logicalIdOf;

/** A template value with the function's `Ref` and the queues' names written as the stand-in knows them. */
function resolved(value: unknown, names: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolved(item, names));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Ref' in record) return names[record.Ref as string] ?? `<${record.Ref}>`;
    if ('Fn::GetAtt' in record) return names[(record['Fn::GetAtt'] as string[])[0]!] ?? '<attribute>';
    if ('Fn::Join' in record) {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => resolved(part, names)).join(separator);
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolved(item, names)]));
  }
  return value;
}

/** What the stand-in evaluates, in the template's terms. */
function asTemplate(definition: AlarmDefinition): Record<string, unknown> {
  const common = {
    ComparisonOperator: definition.comparison,
    Threshold: definition.threshold,
    TreatMissingData: definition.treatMissingData,
  };
  if (definition.kind === 'query') return { ...common, Expression: definition.query };
  return {
    ...common,
    Namespace: definition.namespace,
    MetricName: definition.metricName,
    Statistic: definition.statistic,
    Dimensions: Object.entries(definition.dimensions)
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => a.Name.localeCompare(b.Name)),
  };
}

describe("the sandbox's alarms", () => {
  const config = sampleConfig();
  const { stack, template } = synthRotatorStack({ config });
  const { rotator } = stack;
  const names = {
    [logicalId(rotator.function)]: FUNCTION_NAME,
    [logicalId(rotator.scheduleDeadLetterQueue)]: 'schedule-dlq',
    [logicalId(rotator.failureDeadLetterQueue)]: 'failure-dlq',
  };
  const standIn = stackAlarmDefinitions({
    functionName: FUNCTION_NAME,
    schedule: config.schedule,
    durationsSeconds: config.targets.map((target) => target.durationSeconds),
    scheduleQueueName: 'schedule-dlq',
    failureQueueName: 'failure-dlq',
  });

  it('are the stack’s, in its order', () => {
    expect(rotator.alarms.map((alarm) => alarm.node.id)).toEqual([...ALARM_IDS]);
  });

  it.each([...ALARM_IDS])('%s watches what the deployed one watches', (id) => {
    const alarm = rotator.alarms.find((candidate) => candidate.node.id === id)!;
    const properties = resolved(template.toJSON().Resources[logicalId(alarm)].Properties, names) as Record<
      string,
      unknown
    >;
    const deployed = {
      ComparisonOperator: properties.ComparisonOperator,
      Threshold: properties.Threshold,
      TreatMissingData: properties.TreatMissingData,
      ...(properties.Metrics
        ? { Expression: (properties.Metrics as Array<{ Expression: string }>)[0]!.Expression }
        : {
            Namespace: properties.Namespace,
            MetricName: properties.MetricName,
            Statistic: properties.Statistic,
            Dimensions: [...(properties.Dimensions as Array<{ Name: string }>)].sort((a, b) =>
              a.Name.localeCompare(b.Name),
            ),
          }),
    };

    expect(asTemplate(standIn[id])).toEqual(deployed);
  });
});
