/**
 * What the operator CLI learns from the function alone (core/operator-facts.ts), as synthesized:
 * every alarm named `<function name>-<construct id>`, and the function's tags naming the schedule's
 * group, the topics, the dead-letter queues and the Adobe secret rotation's log group, none of
 * which names the function back (no dependency cycle: the template synthesizes and deploys).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { STACK_ALARM_IDS } from '../../../core/alarm-rules.js';
import { alarmIdOf, alarmNameFor, FUNCTION_TAG } from '../../../core/operator-facts.js';
import { S3CredentialRotator } from '../../../lib/s3-credential-rotator.js';
import { logicalIdOf, removeTestOutdirs, sampleConfig, synthRotatorStack, testOutdir } from '../../support/index.js';

afterAll(removeTestOutdirs);

const logicalId = logicalIdOf;
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });

describe('what the operator CLI finds from the function alone', () => {
  const { stack, template } = synthRotatorStack({ config: sampleConfig() });
  const { rotator } = stack;
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;

  it('names every alarm after the function and its construct id, the Adobe secret rotation one included', () => {
    const alarms = [...rotator.alarms, rotator.adobeSecretRotationFailedAlarm!];
    expect(alarms.length).toBe(STACK_ALARM_IDS.length + 1);
    for (const alarm of alarms) {
      expect(resources[logicalId(alarm)]!.Properties.AlarmName).toEqual({
        'Fn::Join': ['-', [ref(rotator.function), alarm.node.id]],
      });
      expect(
        alarmIdOf(alarmNameFor('Fn', alarm.node.id), 'Fn', [...STACK_ALARM_IDS, 'AdobeSecretRotationFailedAlarm']),
      ).toBe(alarm.node.id);
    }
  });

  it('tags the function with what it can name without naming itself back', () => {
    const tags = Object.fromEntries(
      (resources[logicalId(rotator.function)]!.Properties.Tags as Array<{ Key: string; Value: unknown }>).map(
        ({ Key, Value }) => [Key, Value],
      ),
    );
    expect(tags).toMatchObject({
      [FUNCTION_TAG.scheduleGroup]: stack.resolve(rotator.scheduleGroup.scheduleGroupName),
      [FUNCTION_TAG.alarmTopic]: ref(rotator.alarmTopic),
      [FUNCTION_TAG.scheduleDeadLetterQueue]: ref(rotator.scheduleDeadLetterQueue),
      [FUNCTION_TAG.failureDeadLetterQueue]: ref(rotator.failureDeadLetterQueue),
      [FUNCTION_TAG.adobeSecretRotationLogGroup]: ref(rotator.adobeSecretRotation!.logGroup),
    });
    // One topic: no ticket tag.
    expect(tags).not.toHaveProperty(FUNCTION_TAG.ticketTopic);
    // Nothing the function's tags name depends on the function.
    const dependsOnFunction = (id: string) =>
      JSON.stringify(resources[id]).includes(`"${logicalId(rotator.function)}"`);
    for (const value of Object.values(tags)) {
      const named = (value as { Ref?: string }).Ref;
      if (named) expect(dependsOnFunction(named), named).toBe(false);
    }
  });

  it('tags the ticket topic when the alarms have two routes, and leaves out a literal too long for a tag', () => {
    const app = new App({ outdir: testOutdir() });
    const other = new Stack(app, 'Consumer', { env: { account: '111122223333', region: 'eu-west-1' } });
    const rotatorInAnotherApp = new S3CredentialRotator(other, 'Rotator', {
      targets: [
        {
          connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
          sandboxName: 'prod',
          createRole: { bucketName: 'acme-landing' },
        },
      ],
      ticketTopic: sns.Topic.fromTopicArn(other, 'Tickets', 'arn:aws:sns:eu-west-1:111122223333:tickets'),
      alarmTopic: sns.Topic.fromTopicArn(other, 'Pages', `arn:aws:sns:eu-west-1:111122223333:${'p'.repeat(240)}`),
      expiryAlarmThreshold: Duration.minutes(40),
    });
    const json = Template.fromStack(other).toJSON().Resources as Record<
      string,
      { Properties: { Tags?: Array<{ Key: string; Value: unknown }> } }
    >;
    const tags = Object.fromEntries(
      json[logicalId(rotatorInAnotherApp.function)]!.Properties.Tags!.map(({ Key, Value }) => [Key, Value]),
    );

    expect(tags[FUNCTION_TAG.ticketTopic]).toBe('arn:aws:sns:eu-west-1:111122223333:tickets');
    expect(tags).not.toHaveProperty(FUNCTION_TAG.alarmTopic);
  });
});
