#!/usr/bin/env node
// The `aep-s3-rotator` bin. Inside the project it runs the TypeScript CLI as is, through tsx (a
// devDependency; `npm run rotator -- <command>` does the same). Installed from the package, there
// is no TypeScript and no tsx: it runs the compiled CLI in dist/.
import { existsSync } from 'node:fs';

const source = new URL('./main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(source.href);
  await main();
} else {
  const { main } = await import(new URL('../dist/cli/main.mjs', import.meta.url).href);
  await main();
}
