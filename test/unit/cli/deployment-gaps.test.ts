/**
 * A command that switches the schedule says why it is not known, from discovery's own field for it (not by searching
 * the gaps' text).
 */
import { describe, expect, it } from 'vitest';
import { controlsOf } from '../../../cli/deployment.js';
import type { Deployment } from '../../../cli/discovery.js';

const discovered: Deployment = {
  functionName: 'aep-rotator',
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:aep-rotator',
  alarmNames: [],
  gaps: [
    'AWS denied permission to describe the alarms of function aep-rotator (cloudwatch:DescribeAlarms): no.',
    'No schedule in group aep-rotator invokes function aep-rotator: it was deleted outside the stack; a deploy puts ' +
      'it back.',
  ],
  scheduleGap:
    'No schedule in group aep-rotator invokes function aep-rotator: it was deleted outside the stack; a deploy puts ' +
    'it back.',
};

describe('controlsOf', () => {
  it('names why the schedule is unknown, and only that', () => {
    expect(() => controlsOf(discovered)).toThrow(
      'The schedule of function aep-rotator could not be found: No schedule in group aep-rotator invokes function ' +
        'aep-rotator: it was deleted outside the stack',
    );
    expect(() => controlsOf(discovered)).not.toThrow(/cloudwatch/);
  });

  it('says no schedule invokes it when discovery gave no reason', () => {
    expect(() => controlsOf({ ...discovered, gaps: [], scheduleGap: undefined })).toThrow('no schedule invokes it');
  });
});
