/**
 * Amazon SNS emulator: the alarm topics of a deployed stack, their subscriptions, and what reached
 * them. It speaks what `@aws-sdk/client-sns` (3.1169) sends: the Query protocol (`POST /`,
 * form-encoded `Action=...&Version=2010-03-31`, XML answers), SigV4-checked (signing name `sns`)
 * against the keys the STS emulator issued, for the calls the operator CLI makes:
 * `ListSubscriptionsByTopic` (whether anyone will receive an alarm: a subscription whose
 * `SubscriptionArn` is `PendingConfirmation` receives nothing) and `Publish`.
 *
 * CloudWatch publishes as a service, not through this API: the CloudWatch stand-in calls
 * {@link SnsEmulator.deliver}, and the topic's confirmed subscriptions receive the message
 * (recorded in `deliveries`). An unknown topic is `NotFound` (404), as SNS answers.
 *
 * API reference: https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
 */
import { randomUUID } from 'node:crypto';
import { escapeXml, startQueryEmulator } from './query-protocol.js';
import { keysIssuedBy } from './sigv4.js';
import type { Emulator, SignedServiceOptions } from './types.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** ListSubscriptionsByTopic returns up to 100 subscriptions a page. */
const PAGE_SIZE = 100;
/** SNS's own word for a subscription that was never confirmed. */
export const PENDING_CONFIRMATION = 'PendingConfirmation';

export interface SeedSubscription {
  /** @default 'email' */
  readonly protocol?: string;
  readonly endpoint: string;
  /** An e-mail subscription waits for its recipient to confirm it; until then it receives nothing. @default true */
  readonly confirmed?: boolean;
}

/** A subscription as the emulator keeps it. */
export interface StoredSubscription {
  readonly subscriptionArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly confirmed: boolean;
}

/** A message that reached one confirmed subscription. */
export interface SnsDelivery {
  readonly topicArn: string;
  readonly endpoint: string;
  readonly subject?: string;
  readonly message: string;
  readonly at: Date;
}

export interface SnsEmulator extends Emulator {
  /** Create a topic (once); returns its ARN. */
  putTopic(name: string): string;
  subscribe(topicArn: string, subscription: SeedSubscription): StoredSubscription;
  /**
   * What a service publishing to the topic (CloudWatch) hands it: every confirmed subscription receives it. Returns how
   * many did.
   */
  deliver(topicArn: string, message: string, subject?: string): number;
  readonly deliveries: SnsDelivery[];
}

/**
 * Start an SNS emulator on 127.0.0.1.
 *
 * @param options.region - of topic ARNs and the signature scope. @default 'us-east-1'
 * @param options.accountId - of topic ARNs. @default '123456789012'
 */
export async function startSnsEmulator(options: SignedServiceOptions): Promise<SnsEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const topics = new Map<string, StoredSubscription[]>();
  const deliveries: SnsDelivery[] = [];

  function deliver(topicArn: string, message: string, subject?: string): number {
    const confirmed = (topics.get(topicArn) ?? []).filter((subscription) => subscription.confirmed);
    for (const { endpoint } of confirmed)
      deliveries.push({ topicArn, endpoint, ...(subject ? { subject } : {}), message, at: new Date() });
    return confirmed.length;
  }

  const server = await startQueryEmulator(
    { xmlns: XMLNS, service: 'sns', region, ...keysIssuedBy(options.sts), port: options.port },
    ({ params, ok, error, invalidAction }) => {
      const answer = (action: string, result: string) => ok(action, `<${action}Result>${result}</${action}Result>`);
      const topicArn = params.TopicArn;
      if (params.Action !== 'ListSubscriptionsByTopic' && params.Action !== 'Publish') return invalidAction();
      if (!topicArn) return error(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
      const subscriptions = topics.get(topicArn);
      if (!subscriptions) return error(404, 'NotFound', 'Topic does not exist');

      if (params.Action === 'Publish') {
        if (!params.Message) return error(400, 'InvalidParameter', 'Invalid parameter: Empty message');
        deliver(topicArn, params.Message, params.Subject);
        return answer('Publish', `<MessageId>${randomUUID()}</MessageId>`);
      }
      const start = params.NextToken ? Number(params.NextToken) : 0;
      if (!Number.isInteger(start) || start < 0 || start > subscriptions.length)
        return error(400, 'InvalidParameter', 'Invalid parameter: NextToken');
      const page = subscriptions.slice(start, start + PAGE_SIZE);
      const members = page
        .map(
          (subscription) =>
            `<member><TopicArn>${escapeXml(topicArn)}</TopicArn><Protocol>${subscription.protocol}</Protocol>` +
            `<SubscriptionArn>${subscription.confirmed ? subscription.subscriptionArn : PENDING_CONFIRMATION}` +
            '</SubscriptionArn>' +
            `<Owner>${accountId}</Owner><Endpoint>${escapeXml(subscription.endpoint)}</Endpoint></member>`,
        )
        .join('');
      const next = start + PAGE_SIZE < subscriptions.length ? `<NextToken>${start + PAGE_SIZE}</NextToken>` : '';
      return answer('ListSubscriptionsByTopic', `<Subscriptions>${members}</Subscriptions>${next}`);
    },
  );
  return {
    ...server,
    deliveries,
    deliver,
    putTopic(name) {
      const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
      if (!topics.has(arn)) topics.set(arn, []);
      return arn;
    },
    subscribe(topicArn, seed) {
      const subscriptions = topics.get(topicArn);
      if (!subscriptions) throw new Error(`no topic ${topicArn} in the SNS emulator`);
      const subscription: StoredSubscription = {
        subscriptionArn: `${topicArn}:${randomUUID()}`,
        protocol: seed.protocol ?? 'email',
        endpoint: seed.endpoint,
        confirmed: seed.confirmed ?? true,
      };
      subscriptions.push(subscription);
      return subscription;
    },
  };
}
