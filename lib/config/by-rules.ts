/**
 * How cdk.json's zod schemas apply the setting rules (core/setting-rules.ts): field by field, so one
 * parse still lists every problem at once, in the table's words.
 */
import type { z } from 'zod';
import { settingValueProblems, type SettingsView } from '../../core/setting-rules.js';

/**
 * A zod refinement applying the setting rules (core/setting-rules.ts) to one field: the table's
 * words, as the construct gives them. Each message shows the value, so none adds "; got ...".
 */
export function bySettingRules<K extends keyof SettingsView>(key: K) {
  return (value: NonNullable<SettingsView[K]>, ctx: z.RefinementCtx) => {
    for (const message of settingValueProblems(key, value)) ctx.addIssue({ code: 'custom', message, input: undefined });
  };
}
