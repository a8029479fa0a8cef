/** `--connection` as a person types it (cli/connection-ids.ts): a whole id or any unique start of one. */
import { describe, expect, it } from 'vitest';
import { resolveConnectionIds } from '../../../cli/connection-ids.js';
import { UsageError } from '../../../cli/errors.js';

const TARGETS = [
  '4cb0c374-d3bb-4557-b139-5712880adc55',
  '4cb0c375-0000-4000-8000-000000000000',
  '9a8b7c6d-1111-4222-8333-444455556666',
];
const resolve = (given: string[]) => resolveConnectionIds(given, TARGETS, 'the local configuration');

describe('resolveConnectionIds', () => {
  it('takes the 8 characters a table prints, any longer start, or the whole id, in any case', () => {
    expect(resolve(['9a8b7c6d'])).toEqual([TARGETS[2]]);
    expect(resolve(['4CB0C374-D3'])).toEqual([TARGETS[0]]);
    expect(resolve(['9a8b'])).toEqual([TARGETS[2]]);
    expect(resolve([TARGETS[1]!.toUpperCase()])).toEqual([TARGETS[1]]);
  });

  it('gives undefined when no --connection was given', () => {
    expect(resolveConnectionIds(undefined, TARGETS, 'x')).toBeUndefined();
    expect(resolveConnectionIds([], TARGETS, 'x')).toBeUndefined();
  });

  it.each([
    [['4cb0c37'], '--connection 4cb0c37 is the start of 2 targets'],
    [['4cb'], 'is not a Flow Service connection id or the start of one (at least 4'],
    [['orders'], 'is not a Flow Service connection id or the start of one'],
    [['deadbeef'], 'deadbeef is not a target in the local configuration.'],
    [
      ['4cb0c374-d3bb-4557-b139-5712880adc56'],
      '4cb0c374-d3bb-4557-b139-5712880adc56 (did you mean 4cb0c374-d3bb-4557-b139-5712880adc55?) is not a target',
    ],
    [['9a8b7c6d', '9A8B'], 'names 9a8b7c6d-1111-4222-8333-444455556666, which is given more than once'],
  ])('refuses %j (exit 2): %s', (given, message) => {
    expect(() => resolve(given)).toThrow(UsageError);
    expect(() => resolve(given)).toThrow(message);
  });
});
