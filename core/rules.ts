/**
 * Validation rules as data (the shape of aws-cdk's `validate-queue-props.ts`): each rule is a
 * condition, a message, and the field the message is about. A door (the function's environment,
 * cdk.json, the construct's props) describes its input in the rules' terms and applies the table
 * with {@link applyRules}; it adds only its own names for the fields, so one mistake reads the same
 * whichever way it came in.
 */

/** One rule over an input `T`, with what the door tells every rule in `C` (its names for the fields, ...). */
export interface Rule<T, C, F extends string = string> {
  /** The field the message is about, in the rules' terms; undefined: the input as a whole. */
  readonly field?: F;
  /** True when `input` breaks the rule. */
  readonly condition: (input: T, context: C) => boolean;
  /** What is wrong and what to do; it shows the value it refuses where it names one. */
  readonly message: (input: T, context: C) => string;
}

/** A broken rule: the field (in the rules' terms, for the door to name) and the message. */
export interface Problem<F extends string = string> {
  readonly field?: F;
  readonly message: string;
}

/** Every rule of `rules` that `input` breaks, in the table's order. */
export function applyRules<T, C, F extends string>(
  rules: readonly Rule<T, C, F>[],
  input: T,
  context: C,
): Problem<F>[] {
  return rules.flatMap((rule) =>
    rule.condition(input, context)
      ? [{ ...(rule.field === undefined ? {} : { field: rule.field }), message: rule.message(input, context) }]
      : [],
  );
}

/** A field's allowed form: the pattern it must match and how a message says it (`must be <allowed>`). */
export interface FieldFormat {
  readonly pattern: RegExp;
  /** E.g. `an IAM role name: 1 to 64 letters, digits and +=,.@_-`. */
  readonly allowed: string;
}

/** `must be <allowed>; got "<value>"`: the words every door uses for a value of the wrong form. */
export function formatMessage(format: FieldFormat, value: string): string {
  return `must be ${format.allowed}; got ${JSON.stringify(value)}`;
}
