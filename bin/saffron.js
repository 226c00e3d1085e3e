#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli.cjs by `npm run build` (run by `npm install`).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('../dist/cli.cjs');
