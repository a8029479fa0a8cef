#!/usr/bin/env node
// The `aep-s3-rotator` bin: registers tsx (a devDependency) so Node runs the TypeScript CLI as is,
// then runs it. Inside the project, `npm run rotator -- <command>` does the same.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main();
