#!/usr/bin/env node
// The operators' command (`npx payhub ...`): runs the TypeScript CLI through SWC, as `npm start` does.
require('@swc-node/register');
require('../src/cli/main.ts');
