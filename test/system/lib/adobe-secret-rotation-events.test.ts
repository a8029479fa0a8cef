/**
 * `AdobeSecretRotationEventsRule`: Secrets Manager's RotationFailed and RotationAbandoned events for the Adobe secret,
 * sent to the alarm topic (the rotations the function's Errors cannot see); the topic and key policies it needs; and
 * no rule without `adobeSecretRotation`.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import { ADOBE_SECRET_ROTATION_EVENTS_RULE_ID } from '../../../lib/rotator/adobe-secret-rotation-events.js';
import { S3CredentialRotator } from '../../../lib/s3-credential-rotator.js';
import {
  logicalIdOf,
  rawSampleConfig,
  removeTestOutdirs,
  type Synthesized,
  synthRotatorStack,
  testOutdir,
} from '../../support/index.js';

afterAll(removeTestOutdirs);

const id = logicalIdOf;
const refOf = (construct: IConstruct) => ({ Ref: id(construct) });
const TARGET = {
  connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
  sandboxName: 'prod',
  createRole: { bucketName: 'acme-aep-landing' },
};
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** The rules matching Secrets Manager's events, by logical id. */
function secretsManagerRules(template: Template) {
  return template.findResources('AWS::Events::Rule', {
    Properties: { EventPattern: { source: ['aws.secretsmanager'] } },
  });
}

/** A construct with the rotation on, in an app of its own, synthesized without bundling. */
function construct(props: Partial<ConstructorParameters<typeof S3CredentialRotator>[2]> = {}) {
  const app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: ENV });
  const rotator = new S3CredentialRotator(stack, 'Rotator', {
    targets: [TARGET],
    adobeSecretRotation: { every: Duration.days(30) },
    ...props,
  });
  return { stack, rotator, template: Template.fromStack(stack) };
}

describe('the sample configuration (adobeSecretRotation on, a topic of its own)', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthRotatorStack();
  });

  it("matches exactly Secrets Manager's RotationFailed and RotationAbandoned events for this secret", () => {
    const { template, stack } = synthesized;
    const rule = stack.rotator.node.findChild(ADOBE_SECRET_ROTATION_EVENTS_RULE_ID);
    expect(Object.keys(secretsManagerRules(template))).toEqual([id(rule)]);
    expect(template.toJSON().Resources[id(rule)].Properties).toMatchObject({
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationFailed', 'RotationAbandoned'],
          // The created secret's Ref is its complete ARN, as the event carries it.
          additionalEventData: { SecretId: [refOf(stack.rotator.adobeCredentialsSecret)] },
        },
      },
    });
    expect(Object.keys(template.toJSON().Resources[id(rule)].Properties.EventPattern.detail).sort()).toEqual([
      'additionalEventData',
      'eventName',
      'eventSource',
    ]);
  });

  it('notifies the alarm topic with a readable line: the secret, the event, its time and the runbook section', () => {
    const { template, stack } = synthesized;
    const rule = stack.rotator.node.findChild(ADOBE_SECRET_ROTATION_EVENTS_RULE_ID);
    const targets = template.toJSON().Resources[id(rule)].Properties.Targets;
    expect(targets).toHaveLength(1);
    expect(targets[0].Arn).toEqual(refOf(stack.rotator.alarmTopic));
    expect(targets[0]).not.toHaveProperty('RoleArn');
    const { InputPathsMap: paths, InputTemplate: text } = targets[0].InputTransformer;
    expect(paths).toEqual({
      'detail-additionalEventData-SecretId': '$.detail.additionalEventData.SecretId',
      'detail-eventName': '$.detail.eventName',
      time: '$.time',
    });
    expect(text).toBe(
      '"Secrets Manager reports <detail-eventName> for the Adobe client secret <detail-additionalEventData-SecretId> ' +
        'at <time>: the scheduled rotation did not complete (a RotationAbandoned follows a value put by hand). ' +
        'Check that the rotation function exists and that Secrets Manager may invoke it, then run ' +
        '`npx aep-s3-rotator rotate-adobe-secret`. Runbook: docs/RUNBOOK.md#adobesecretrotationfailedalarm"',
    );
  });

  it("lets only this rule of this account publish to the topic, beside the alarms' statements", () => {
    const { template, stack } = synthesized;
    const rule = stack.rotator.node.findChild(ADOBE_SECRET_ROTATION_EVENTS_RULE_ID);
    const policies = template.findResources('AWS::SNS::TopicPolicy', {
      Properties: { Topics: [refOf(stack.rotator.alarmTopic)] },
    });
    expect(Object.keys(policies)).toHaveLength(1);
    const statements = Object.values(policies)[0]!.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Sid: 'AllowAdobeSecretRotationEvents',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: refOf(stack.rotator.alarmTopic),
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [id(rule), 'Arn'] } },
      },
    });
    // No other statement lets EventBridge publish (aws-events-targets' SnsTopic would add one for any rule).
    const eventBridge = statements.filter(
      (statement: { Principal?: { Service?: string } }) => statement.Principal?.Service === 'events.amazonaws.com',
    );
    expect(eventBridge).toHaveLength(1);
  });
});

describe('adobeSecretRotation off', () => {
  it('creates no rule and no EventBridge statement on the topic', () => {
    const raw = rawSampleConfig();
    delete raw.adobeSecretRotation;

    const { template, stack } = synthRotatorStack({ config: parseRotatorConfig(raw) });

    expect(secretsManagerRules(template)).toEqual({});
    expect(stack.rotator.node.tryFindChild(ADOBE_SECRET_ROTATION_EVENTS_RULE_ID)).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::SNS::TopicPolicy'))).not.toContain('events.amazonaws.com');
  });
});

describe('the construct prop', () => {
  it('matches a secret imported without its suffix by the prefix the complete ARN starts with', () => {
    const { template, rotator } = construct({
      adobeCredentialsSecret: secretsmanager.Secret.fromSecretPartialArn(
        new Stack(new App(), 'Other', { env: ENV }),
        'Adobe',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe',
      ),
    });
    const rule = rotator.node.findChild(ADOBE_SECRET_ROTATION_EVENTS_RULE_ID);
    const { detail } = template.toJSON().Resources[id(rule)].Properties.EventPattern;
    expect(detail.additionalEventData.SecretId).toEqual([
      { prefix: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-' },
    ]);
  });

  it("lets EventBridge use a key of this app that encrypts the created topic, in the key's policy", () => {
    const app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    new S3CredentialRotator(stack, 'Rotator', {
      targets: [TARGET],
      encryptionKey: key,
      adobeSecretRotation: { every: Duration.days(30) },
    });
    const keyPolicy = Template.fromStack(stack).toJSON().Resources[id(key)].Properties.KeyPolicy;
    expect(keyPolicy.Statement).toContainEqual({
      Sid: 'AllowEventBridgeToPublishToEncryptedTopics',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
    });
  });

  it("names EventBridge's key statement in the imported key's warning", () => {
    const { stack } = construct({
      encryptionKey: kms.Key.fromKeyArn(
        new Stack(new App(), 'Keys', { env: ENV }),
        'Key',
        'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      ),
    });
    const warning = Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp('^encryptionKey: the alarm topic is encrypted'))
      .map((entry) => String(entry.entry.data));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain(
      "and, for Secrets Manager's rotation events of the Adobe secret, which EventBridge publishes to the same " +
        'topic, this one: {"Sid":"AllowEventBridgeToPublishToEncryptedTopics","Effect":"Allow",' +
        '"Principal":{"Service":"events.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*"}',
    );
  });

  it('targets an imported topic but leaves its policy to its owner (docs/DEPLOY.md says what it needs)', () => {
    const app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: ENV });
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    const rotator = new S3CredentialRotator(stack, 'Rotator', {
      targets: [TARGET],
      alarmTopic: sns.Topic.fromTopicArn(stack, 'Ops', topicArn),
      adobeSecretRotation: { every: Duration.days(30) },
    });
    const template = Template.fromStack(stack);
    const rule = rotator.node.findChild(ADOBE_SECRET_ROTATION_EVENTS_RULE_ID);
    expect(template.toJSON().Resources[id(rule)].Properties.Targets[0].Arn).toBe(topicArn);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });
});
