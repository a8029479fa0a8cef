/**
 * The AWS calls `test-alarm` makes: which topics an alarm notifies (CloudWatch `DescribeAlarms`),
 * who is subscribed to them and confirmed (SNS `ListSubscriptionsByTopic`: an unconfirmed e-mail
 * subscription's `SubscriptionArn` is `PendingConfirmation`, and it receives nothing), and the
 * move itself (`SetAlarmState`; with `Enable`/`DisableAlarmActions` around it for a paused alarm).
 * Every AWS failure a person can fix is one sentence and exit 3.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AwsOptions } from './aws.js';
import { describeAwsError, EnvironmentError } from './errors.js';

const regional = (options: AwsOptions) => (options.region ? { region: options.region } : {});

/** One alarm, as far as its route goes. */
export interface AlarmRoute {
  readonly name: string;
  readonly state: string;
  readonly actionsEnabled: boolean;
  /** The SNS topics its ALARM and OK actions notify. */
  readonly topics: readonly string[];
}

/** DescribeAlarms of one alarm. @throws EnvironmentError when CloudWatch has no alarm of that name. */
export async function alarmRoute(
  name: string,
  options: AwsOptions & { readonly deploy?: string } = {},
): Promise<AlarmRoute> {
  const client = new CloudWatchClient(regional(options));
  try {
    const response = await client.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] }));
    const alarm = response.MetricAlarms?.[0];
    if (!alarm) {
      throw new EnvironmentError(
        `Alarm ${name} was not found in CloudWatch: deleted outside the stack; ` +
          `\`${options.deploy ?? 'npx cdk deploy'}\` puts it back. Nothing was changed.`,
      );
    }
    const topics = [
      ...new Set(
        [...(alarm.AlarmActions ?? []), ...(alarm.OKActions ?? [])].filter(
          (action) => action.startsWith('arn:') && action.split(':')[2] === 'sns',
        ),
      ),
    ];
    return {
      name,
      state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
      actionsEnabled: alarm.ActionsEnabled !== false,
      topics,
    };
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw describeAwsError(error, `describe alarm ${name} (cloudwatch:DescribeAlarms)`) ?? error;
  } finally {
    client.destroy();
  }
}

/** A topic's subscriptions: who receives its messages (confirmed) and who would once they confirm. */
export interface TopicSubscriptions {
  readonly topicArn: string;
  readonly confirmed: ReadonlyArray<{ readonly protocol: string; readonly endpoint: string }>;
  readonly pending: ReadonlyArray<{ readonly protocol: string; readonly endpoint: string }>;
}

/** ListSubscriptionsByTopic, every page. */
export async function subscriptionsOf(
  topicArn: string,
  options: AwsOptions & { readonly deploy?: string } = {},
): Promise<TopicSubscriptions> {
  // The topic's region, which may differ from the CLI's.
  const region = topicArn.split(':')[3];
  const client = new SNSClient(region ? { region } : regional(options));
  const confirmed: Array<{ protocol: string; endpoint: string }> = [];
  const pending: Array<{ protocol: string; endpoint: string }> = [];
  try {
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
      for (const subscription of page.Subscriptions ?? []) {
        const entry = { protocol: subscription.Protocol ?? '?', endpoint: subscription.Endpoint ?? '?' };
        // PendingConfirmation, or Deleted: nothing reaches it.
        if (subscription.SubscriptionArn?.startsWith('arn:')) confirmed.push(entry);
        else pending.push(entry);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return { topicArn, confirmed, pending };
  } catch (error) {
    if ((error as Error).name === 'NotFoundException' || (error as Error).name === 'NotFound') {
      throw new EnvironmentError(
        `Topic ${topicArn}, which the alarm notifies, does not exist: no alarm reaches anyone. ` +
          `Create it again (\`${options.deploy ?? 'npx cdk deploy'}\`) or fix alarmTopicArn.`,
      );
    }
    throw describeAwsError(error, `list the subscriptions of ${topicArn} (sns:ListSubscriptionsByTopic)`) ?? error;
  } finally {
    client.destroy();
  }
}

/** SetAlarmState: CloudWatch notifies the alarm's actions of the change, as it would of a real one. */
export async function setAlarmState(
  name: string,
  state: StateValue,
  reason: string,
  options: AwsOptions = {},
): Promise<void> {
  const client = new CloudWatchClient(regional(options));
  try {
    await client.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
  } catch (error) {
    throw describeAwsError(error, `set the state of alarm ${name} (cloudwatch:SetAlarmState)`) ?? error;
  } finally {
    client.destroy();
  }
}

/** Enable or disable one alarm's actions (a paused alarm's, for the length of the test). */
export async function setActions(name: string, enabled: boolean, options: AwsOptions = {}): Promise<void> {
  const client = new CloudWatchClient(regional(options));
  try {
    await client.send(
      enabled
        ? new EnableAlarmActionsCommand({ AlarmNames: [name] })
        : new DisableAlarmActionsCommand({ AlarmNames: [name] }),
    );
  } catch (error) {
    const action = enabled ? 'cloudwatch:EnableAlarmActions' : 'cloudwatch:DisableAlarmActions';
    throw (
      describeAwsError(error, `${enabled ? 'enable' : 'disable'} the actions of alarm ${name} (${action})`) ?? error
    );
  } finally {
    client.destroy();
  }
}
