/**
 * The names a deployed rotator stack's resources have in the sandbox's stand-ins: what
 * `npx cdk deploy` of the sample configuration would call them (physical names with CloudFormation's
 * suffixes), so the operator CLI finds them as it would in an account.
 */
import { alarmNameFor } from '../core/operator-facts.js';
import { ALARM_IDS, type AlarmId } from './stack-alarms.js';
import { EMULATOR_REGION } from './index.js';

/**
 * The Adobe secret's rotation alarm (lib/rotator/adobe-secret-rotation.ts): not in `AlarmNames`, so
 * `pause` leaves it on.
 */
export const ADOBE_SECRET_ROTATION_ALARM_ID = 'AdobeSecretRotationFailedAlarm';
/** Every alarm of the sandbox's stack: the construct's `alarms` and the Adobe secret's rotation's. */
export type SandboxAlarmId = AlarmId | typeof ADOBE_SECRET_ROTATION_ALARM_ID;

export const STACK_NAME = 'AepS3CredentialRotator';
export const FUNCTION_NAME = 'AepS3CredentialRotator-RotatorFunction1A2B3C4D-x9Y8z7W6';
export const SCHEDULE_NAME = 'AepS3CredentialRotatorRotatorSchedule5E6F7A8B-Qw3Er5Ty7Ui9';
export const SCHEDULE_GROUP_NAME = 'AepS3CredentialRotatorRotatorScheduleGroup9C0D1E2F-As4Df6Gh8Jk0';
export const ROTATION_FUNCTION_NAME = 'AepS3CredentialRotator-RotatorAdobeSecretRotationFun-Zx8Cv6Bn4Mq2';
export const ROTATION_LOG_GROUP_NAME = 'AepS3CredentialRotator-RotatorAdobeSecretRotationLogGroup9DE697AD-Lk7Jh5Gf3Ds1';
/** How often the stand-in's Secrets Manager rotates the Adobe secret (the configuration says the same). */
export const ROTATION_EVERY_DAYS = 30;
/** The schedule the configuration of `configFor` (deployed-stack.ts) declares. */
export const SCHEDULE_EXPRESSION = 'rate(15 minutes)';
/** Who receives the alarm topic's messages (a confirmed subscription). */
export const ON_CALL_EMAIL = 'aep-ops@example.com';
export const ACCOUNT_ID = '123456789012';
export const QUEUE_NAMES = {
  schedule: `${STACK_NAME}-ScheduleDeadLetterQueue`,
  failure: `${STACK_NAME}-FailureDeadLetterQueue`,
} as const;

/** A dead-letter queue's URL, as SQS names it. */
export const queueUrl = (name: string) => `https://sqs.${EMULATOR_REGION}.amazonaws.com/${ACCOUNT_ID}/${name}`;

/**
 * The names the construct gives the stack's alarms: the function's name and the construct id
 * (core/operator-facts.ts).
 */
export const ALARM_NAMES: Record<SandboxAlarmId, string> = Object.fromEntries(
  [...ALARM_IDS, ADOBE_SECRET_ROTATION_ALARM_ID].map((id) => [id, alarmNameFor(FUNCTION_NAME, id)]),
) as Record<SandboxAlarmId, string>;
