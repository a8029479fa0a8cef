/**
 * The SNS stand-in answers ListSubscriptionsByTopic and Publish in the protocol the installed
 * @aws-sdk/client-sns speaks (the Query protocol, XML answers), over a real socket: signed requests
 * only, `NotFound` for a topic it does not have, every page of a long list, and a subscription
 * nobody confirmed shown as SNS shows it (`PendingConfirmation`), receiving nothing.
 */
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnsEmulator, type SnsEmulator } from '../../../emulators/sns.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { StsEmulator } from '../../../emulators/types.js';
import { operatorClientConfig } from '../../support/emulator-clients.js';

let sts: StsEmulator;
let sns: SnsEmulator;
let client: SNSClient;

beforeAll(async () => {
  sts = await startStsEmulator();
  sns = await startSnsEmulator({ sts });
  client = new SNSClient(operatorClientConfig(sts, sns.url));
});
afterAll(async () => {
  client.destroy();
  await Promise.all([sns.close(), sts.close()]);
});

describe('SNS stand-in', () => {
  it('lists a topic’s subscriptions, an unconfirmed one as PendingConfirmation, every page of them', async () => {
    const topic = sns.putTopic('alarms');
    sns.subscribe(topic, { endpoint: 'pending@example.com', confirmed: false });
    for (let index = 0; index < 120; index++) sns.subscribe(topic, { endpoint: `oncall-${index}@example.com` });

    const first = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
    const second = await client.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topic, NextToken: first.NextToken }),
    );

    expect(first.Subscriptions).toHaveLength(100);
    expect(first.Subscriptions![0]).toMatchObject({
      Protocol: 'email',
      Endpoint: 'pending@example.com',
      SubscriptionArn: 'PendingConfirmation',
      TopicArn: topic,
    });
    expect(first.Subscriptions![1]!.SubscriptionArn).toMatch(new RegExp(`^${topic}:`));
    expect(second.Subscriptions).toHaveLength(21);
    expect(second.NextToken).toBeUndefined();
    expect(sns.requests.at(-1)!.headers.authorization).toMatch(/\/us-east-1\/sns\/aws4_request/);
  });

  it('delivers a message to the confirmed subscriptions only', async () => {
    const topic = sns.putTopic('tickets');
    sns.subscribe(topic, { endpoint: 'unconfirmed@example.com', confirmed: false });
    sns.subscribe(topic, { endpoint: 'tickets@example.com' });

    await client.send(new PublishCommand({ TopicArn: topic, Message: 'hello', Subject: 'ALARM' }));

    expect(
      sns.deliveries.filter((delivery) => delivery.topicArn === topic).map((delivery) => delivery.endpoint),
    ).toEqual(['tickets@example.com']);
  });

  it('answers NotFound (404) for a topic it does not have', async () => {
    const error = await client
      .send(new ListSubscriptionsByTopicCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:deleted' }))
      .catch((thrown: Error) => thrown);

    expect(error).toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses requests signed with keys STS never issued', async () => {
    const stranger = new SNSClient({
      region: 'us-east-1',
      endpoint: sns.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
    });
    const error = await stranger
      .send(new ListSubscriptionsByTopicCommand({ TopicArn: sns.putTopic('alarms') }))
      .catch((thrown: Error) => thrown);
    stranger.destroy();

    expect(error).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
  });
});
