/**
 * The rules about a deployment's settings, written once as data ({@link SETTING_RULES}): the
 * function's concurrency, memory and role name, where alarms link, Adobe's endpoints, and the
 * guardrails (the encryption key, the permissions boundary, the Adobe secret's readers, tags), the
 * fixed names of the data that outlives the stack (the Adobe secret, the ledger), the Adobe client
 * secret's rotation (its interval, the I/O Management API). The cdk.json parser (lib/config/) and the
 * construct's props validation (lib/rotator/validate-props.ts) apply the same table; the functions'
 * environments (lambda/config.ts, lambda/adobe-secret-rotation.ts) the rules they share (concurrency,
 * endpoints). Each door names the fields its own way ({@link SETTING_DOORS}).
 *
 * To add a rule: add an entry to {@link SETTING_RULES} and a row to test/unit/core/setting-rules.test.ts.
 */
import { MAX_CONCURRENCY, MIN_CONCURRENCY, serviceUrlProblem, TARGET_FIELD_FORMATS } from './contract.js';
import {
  kmsAliasProblem,
  kmsKeyArnProblem,
  kmsKeyRegionProblem,
  managedPolicyArnProblem,
  secretReaderProblem,
  tagsProblems,
} from './guardrail-rules.js';
import { rotationDaysProblem } from './adobe-secret-rotation.js';
import { memoryProblem } from './rotation-rules.js';
import { applyRules, formatMessage, type Problem, type Rule } from './rules.js';

/** A setting, in the rules' terms. */
export type SettingField =
  | 'concurrency'
  | 'memorySize'
  | 'functionRoleName'
  | 'runbookUrl'
  | 'flowServiceUrl'
  | 'imsUrl'
  | 'encryptionKey'
  | 'permissionsBoundary'
  | 'secretReaders'
  | 'tags'
  | 'adobeSecretName'
  | 'ledgerTableName'
  | 'adobeSecretRotationEvery'
  | 'adobeSecretRotationConsoleApiUrl';

/** The settings as the rules see them; a value a door cannot read yet (a CDK token) is left out. */
export interface SettingsView {
  /** A number; the function's environment gives the variable's text, which the rule reads. */
  readonly concurrency?: number | string;
  readonly memorySize?: number;
  readonly functionRoleName?: string;
  readonly runbookUrl?: string;
  readonly flowServiceUrl?: string;
  readonly imsUrl?: string;
  /** The encryption key's ARN. */
  readonly encryptionKeyArn?: string;
  /** An alias given where a key is needed (the construct's `encryptionKey` can be an `IAlias`). */
  readonly encryptionKeyAlias?: string;
  /** The stack's region, when known: a key must be in it. */
  readonly region?: string;
  /** The permissions boundary's ARN. */
  readonly permissionsBoundaryArn?: string;
  readonly secretReaders?: readonly (string | undefined)[];
  readonly tags?: Readonly<Record<string, string>>;
  /** The fixed name of the Adobe secret the stack creates. */
  readonly adobeSecretName?: string;
  /** An existing Adobe secret is given (`adobeCredentialsSecret`): the stack creates none. */
  readonly adobeCredentialsSecretGiven?: boolean;
  /** The fixed name of the ledger table. */
  readonly ledgerTableName?: string;
  /** Days between rotations of the Adobe client secret. */
  readonly adobeSecretRotationDays?: number;
  /** Adobe's I/O Management API, which rotates the client secret (and which `inspect` asks). */
  readonly adobeSecretRotationConsoleApiUrl?: string;
}

/** How a door names the settings (the function's environment has its variables). */
export type SettingNames = Readonly<Record<SettingField, string>>;

const sameNames = (overrides: Partial<SettingNames>): SettingNames => ({
  concurrency: 'concurrency',
  memorySize: 'memorySize',
  functionRoleName: 'functionRoleName',
  runbookUrl: 'runbookUrl',
  flowServiceUrl: 'flowServiceUrl',
  imsUrl: 'imsUrl',
  encryptionKey: 'encryptionKey',
  permissionsBoundary: 'permissionsBoundary',
  secretReaders: 'secretReaders',
  tags: 'tags',
  adobeSecretName: 'adobeSecretName',
  ledgerTableName: 'ledgerTableName',
  adobeSecretRotationEvery: 'adobeSecretRotation.every',
  adobeSecretRotationConsoleApiUrl: 'adobeSecretRotation.consoleApiUrl',
  ...overrides,
});

/** The doors' names for the settings. */
export const SETTING_DOORS = {
  /** The function's environment variables (lambda/config.ts): only the settings it reads. */
  function: sameNames({
    concurrency: 'ROTATION_CONCURRENCY',
    flowServiceUrl: 'FLOW_SERVICE_URL',
    imsUrl: 'ADOBE_IMS_URL',
    adobeSecretRotationConsoleApiUrl: 'ADOBE_CONSOLE_API_URL',
  }),
  /** cdk.json's `rotator` (lib/config/). */
  config: sameNames({
    encryptionKey: 'encryptionKeyArn',
    permissionsBoundary: 'permissionsBoundaryArn',
    adobeSecretRotationEvery: 'adobeSecretRotation.everyDays',
  }),
  /** The construct's props (lib/rotator/validate-props.ts). */
  props: sameNames({}),
} as const;

/**
 * The longest runbook link: each alarm description ends with `Runbook: <url>#<alarm id>`, and CloudWatch allows 1,024
 * characters per description.
 */
export const MAX_RUNBOOK_URL_CHARS = 400;

/** Why `url` cannot end an alarm description as `Runbook: <url>#<anchor>`, or undefined. */
export function runbookUrlProblem(url: string): string | undefined {
  if (url.length >= 1 && url.length <= MAX_RUNBOOK_URL_CHARS && !/[\s#]/.test(url)) return undefined;
  return (
    `"${url}" must be 1 to ${MAX_RUNBOOK_URL_CHARS} characters without spaces or "#" (each alarm appends "#<its ` +
    'id>"), e.g. "https://github.com/acme/aep-rotator/blob/main/docs/RUNBOOK.md"'
  );
}

/**
 * A secret name Secrets Manager accepts:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name).
 */
export const SECRET_NAME_FORMAT = {
  pattern: /^[\w/+=.@-]{1,512}$/,
  allowed: 'a Secrets Manager secret name: 1 to 512 letters, digits and /_+=.@-',
};
/**
 * A DynamoDB table name:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 */
export const TABLE_NAME_FORMAT = {
  pattern: /^[\w.-]{3,255}$/,
  allowed: 'a DynamoDB table name: 3 to 255 letters, digits and _.-',
};

/** Why `name` cannot be the created Adobe secret's name, or undefined. */
export function secretNameProblem(name: string): string | undefined {
  if (!SECRET_NAME_FORMAT.pattern.test(name)) return formatMessage(SECRET_NAME_FORMAT, name);
  // Secrets Manager's own advice: a partial ARN of such a name is read as a complete one.
  if (/-[A-Za-z0-9]{6}$/.test(name)) {
    return (
      `"${name}" ends with a hyphen and six characters, which Secrets Manager takes for the random suffix of a ` +
      'complete ARN when the secret is looked up by name; choose another ending'
    );
  }
  return undefined;
}

/**
 * Why `concurrency` is not how many connections one run may rotate at a time, or undefined. A string is the function's
 * environment variable as written: digits only.
 */
export function concurrencyProblem(concurrency: number | string): string | undefined {
  const value = typeof concurrency === 'string' && /^\d+$/.test(concurrency) ? Number(concurrency) : concurrency;
  if (Number.isInteger(value) && Number(value) >= MIN_CONCURRENCY && Number(value) <= MAX_CONCURRENCY) return undefined;
  return `${JSON.stringify(concurrency)} is not a whole number from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}`;
}

type SettingRule = Rule<SettingsView, SettingNames, SettingField>;

/** A rule whose own function says what is wrong with one setting (and shows its value). */
function settingRule<K extends keyof SettingsView>(
  field: SettingField,
  key: K,
  problemOf: (value: NonNullable<SettingsView[K]>, view: SettingsView) => string | undefined,
): SettingRule {
  const problem = (view: SettingsView) =>
    view[key] === undefined ? undefined : problemOf(view[key] as NonNullable<SettingsView[K]>, view);
  return { field, condition: (view) => problem(view) !== undefined, message: (view) => problem(view)! };
}

/** The settings' rules, in the order their problems are listed. */
export const SETTING_RULES: readonly SettingRule[] = [
  settingRule('concurrency', 'concurrency', concurrencyProblem),
  settingRule('memorySize', 'memorySize', memoryProblem),
  settingRule('functionRoleName', 'functionRoleName', (name) =>
    TARGET_FIELD_FORMATS.roleName.pattern.test(name) ? undefined : formatMessage(TARGET_FIELD_FORMATS.roleName, name),
  ),
  settingRule('runbookUrl', 'runbookUrl', runbookUrlProblem),
  settingRule('flowServiceUrl', 'flowServiceUrl', serviceUrlProblem),
  settingRule('imsUrl', 'imsUrl', serviceUrlProblem),
  settingRule(
    'encryptionKey',
    'encryptionKeyArn',
    (arn, view) => kmsKeyArnProblem(arn) ?? kmsKeyRegionProblem(arn, view.region),
  ),
  settingRule('encryptionKey', 'encryptionKeyAlias', kmsAliasProblem),
  settingRule('permissionsBoundary', 'permissionsBoundaryArn', managedPolicyArnProblem),
  settingRule('adobeSecretName', 'adobeSecretName', secretNameProblem),
  settingRule('ledgerTableName', 'ledgerTableName', (name) =>
    TABLE_NAME_FORMAT.pattern.test(name) ? undefined : formatMessage(TABLE_NAME_FORMAT, name),
  ),
  settingRule('adobeSecretRotationEvery', 'adobeSecretRotationDays', rotationDaysProblem),
  settingRule('adobeSecretRotationConsoleApiUrl', 'adobeSecretRotationConsoleApiUrl', serviceUrlProblem),
];

/**
 * The rules between two settings; cdk.json, which checks each field on its own, applies them with
 * {@link settingPairProblems}.
 */
export const SETTING_PAIR_RULES: readonly SettingRule[] = [
  {
    field: 'adobeSecretName',
    condition: (view) => view.adobeSecretName !== undefined && view.adobeCredentialsSecretGiven === true,
    message: () =>
      'names the Adobe secret the stack creates, but adobeCredentialsSecret is given, so the stack creates none; ' +
      'remove one of them',
  },
];

/** The problems of {@link SETTING_PAIR_RULES} alone, with the door's names. */
export function settingPairProblems(view: SettingsView, names: SettingNames): SettingProblem[] {
  return applyRules(SETTING_PAIR_RULES, view, names).map((problem) => ({
    ...problem,
    line: `${names[problem.field!]}: ${problem.message}`,
  }));
}

/**
 * The problems of one setting alone, by the table: for a door that checks field by field (cdk.json's
 * zod schema refines each field with it).
 */
export function settingValueProblems<K extends keyof SettingsView>(
  key: K,
  value: NonNullable<SettingsView[K]>,
): string[] {
  const view = { [key]: value } as SettingsView;
  if (key === 'tags') return tagsProblems(value as Readonly<Record<string, string>>);
  if (key === 'secretReaders')
    return (value as readonly string[]).flatMap((reader) => secretReaderProblem(reader) ?? []);
  return applyRules(SETTING_RULES, view, SETTING_DOORS.config).map((problem) => problem.message);
}

/** A settings problem with the door's name for its field. */
export interface SettingProblem extends Problem<SettingField> {
  /** `<field as the door names it>: <message>`. */
  readonly line: string;
}

/**
 * Apply {@link SETTING_RULES}, and the rules of the two lists, which can break more than once: each
 * reader of the Adobe secret (`secretReaders[<i>]`, core/guardrail-rules.ts) and each tag.
 */
export function settingProblems(view: SettingsView, names: SettingNames): SettingProblem[] {
  const problems = applyRules(SETTING_RULES, view, names).map((problem) => ({
    ...problem,
    line: `${names[problem.field!]}: ${problem.message}`,
  }));
  problems.push(...settingPairProblems(view, names));
  for (const message of view.tags ? tagsProblems(view.tags) : [])
    problems.push({ field: 'tags', message, line: `${names.tags}: ${message}` });
  view.secretReaders?.forEach((reader, index) => {
    const message = reader === undefined ? undefined : secretReaderProblem(reader);
    if (message)
      problems.push({ field: 'secretReaders', message, line: `${names.secretReaders}[${index}]: ${message}` });
  });
  return problems;
}
