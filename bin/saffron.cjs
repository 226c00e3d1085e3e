#!/usr/bin/env node
// Thin launcher (CommonJS: the ESM loader would add start-up time). The CLI is bundled by `npm run build`.
require('../dist/cli.cjs');
