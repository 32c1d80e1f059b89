#!/usr/bin/env node
// The `patchbay` command. The CLI lives in dist/ (built by `npm run build`);
// this file only hands it the process and exits with its code, because open
// handles (the store, the admin server, a drain cut short by a second
// signal) must not keep the process alive once the command is done.
import { main, processIo } from '../dist/cli/main.js';

main(process.argv.slice(2), processIo()).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`patchbay: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
