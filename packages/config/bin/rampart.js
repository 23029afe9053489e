#!/usr/bin/env node
// The `rampart` command: loads the compiled CLI (run `pnpm build` first in a checkout).
import '../dist/cli/main.js';
