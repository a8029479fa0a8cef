/**
 * `rotate` naming connections the deployed function does not rotate: refused before invoking when the
 * local configuration does not have them, refused by the function (as data, not a Lambda error) when it
 * does not, and, for a target not deployed yet, the commands that deploy it and rotate it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configFor,
  FUNCTION_NAME,
  FUNCTION_ROLE_CALLER,
  useDeployedRotator,
  type CliWorld,
} from '../../support/index.js';

let t: CliWorld;
let ids: string[];
useDeployedRotator((started) => ({ t, ids } = started));

describe('rotate (deployed function): connections that are not its targets', () => {
  it(
    'refuses a connection that is not a target without invoking: a refused request would be a Lambda error, and ' +
      'page through ErrorsAlarm (exit 2)',
    async () => {
      const unknown = randomUUID();
      const typo = `${ids[1]!.slice(0, 35)}${ids[1]!.endsWith('0') ? '1' : '0'}`;
      const invocations = t.lambda.invocations.length;

      const result = await t.cli(['rotate', '--connection', ids[0]!, '--connection', unknown, '--connection', typo]);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `aep-s3-rotator: ${unknown}, ${typo} (did you mean ${ids[1]}?) are not targets in the local configuration; ` +
          'nothing was invoked or rotated (for a function deployed from another configuration, ' +
          'pass --function <name>).\n',
      );
      expect(t.lambda.invocations.length).toBe(invocations);
    },
  );

  it(
    'says in one sentence that the function refused a connection that is not its target, and exits 2, without a ' +
      'Lambda error to page for',
    async () => {
      const unknown = randomUUID();

      const result = await t.cli(['rotate', '--function', FUNCTION_NAME, '--connection', unknown]);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `aep-s3-rotator: Function ${FUNCTION_NAME} refused the request: connectionIds: ${unknown} ` +
          'is not in the configured targets; nothing was rotated.\n',
      );
      // The function answered the unknown id as data (unknownConnectionIds), not as an error ErrorsAlarm counts.
      expect(t.lambda.invocations.at(-1)!.functionError).toBeUndefined();
    },
  );

  it('suggests the target a mistyped connection id probably meant when the function refuses it (exit 2)', async () => {
    const typo = `${ids[1]!.slice(0, 35)}${ids[1]!.endsWith('0') ? '1' : '0'}`;

    const result = await t.cli(['rotate', '--function', FUNCTION_NAME, '--connection', typo]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `aep-s3-rotator: Function ${FUNCTION_NAME} refused the request: connectionIds: ${typo} ` +
        `(did you mean ${ids[1]}?) is not in the configured targets; nothing was rotated.\n`,
    );
  });

  it('says a connection of the local configuration is not deployed yet, and the commands to run (exit 2)', async () => {
    const added = randomUUID();
    t.writeConfig({
      targets: [
        ...(t.config.targets as object[]),
        { connectionId: added, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/aep-new' },
      ],
    });
    try {
      const result = await t.cli(['rotate', '--connection', added, '--dry-run']);

      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `aep-s3-rotator: ${added} is in the local configuration but not deployed yet (function ${FUNCTION_NAME} ` +
          'does not have it); deploy, then rotate: `npx cdk deploy`, then `npx aep-s3-rotator rotate --connection ' +
          `${added} --dry-run\`. Nothing was rotated.\n`,
      );
      // The function was asked, and refused: nothing was rotated.
      expect(t.lambda.invocations.at(-1)!.event).toEqual({
        connectionIds: [added],
        dryRun: true,
        unknownConnections: 'report',
        caller: FUNCTION_ROLE_CALLER,
      });
    } finally {
      t.writeConfig(configFor(t.world));
    }
  });

  it('names the configuration file in the commands when --config was given', async () => {
    const added = randomUUID();
    writeFileSync(
      join(t.dir, 'staging.json'),
      JSON.stringify({
        ...t.config,
        targets: [
          ...(t.config.targets as object[]),
          { connectionId: added, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/aep-new' },
        ],
      }),
    );

    const result = await t.cli(['rotate', '--config', 'staging.json', '--connection', ids[0]!, '--connection', added]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `: ${added} is in the local configuration but not deployed yet (function ${FUNCTION_NAME} does not have it);`,
    );
    // The whole request again, once deployed: nothing was rotated, the deployed connection neither.
    expect(result.stderr).toContain(
      `\`npx cdk deploy -c rotatorConfigFile=staging.json\`, then \`npx aep-s3-rotator rotate --connection ${ids[0]} ` +
        `--connection ${added} --config staging.json\``,
    );
  });

  it('quotes a --config path the shell would split, so the commands it suggests paste as they are', async () => {
    const added = randomUUID();
    mkdirSync(join(t.dir, 'my configs'), { recursive: true });
    writeFileSync(
      join(t.dir, 'my configs', 'staging.json'),
      JSON.stringify({
        ...t.config,
        targets: [
          ...(t.config.targets as object[]),
          { connectionId: added, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/aep-new' },
        ],
      }),
    );

    const result = await t.cli(['rotate', '--config', 'my configs/staging.json', '--connection', added]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "`npx cdk deploy -c 'rotatorConfigFile=my configs/staging.json'`, then `npx aep-s3-rotator rotate " +
        `--connection ${added} --config 'my configs/staging.json'\``,
    );
  });
});
