#!/usr/bin/env node
// Thin launcher (CommonJS: the ESM loader would add start-up time). The CLI is bundled by `npm run build`.
//
// Run through `npx saffron …` / `npm exec`, this process is npm's grandchild (npm → sh -c → node): a SIGTERM
// sent to npm ends the shell but never reaches us, and `saffron web` would keep running and hold its port. So
// under npm exec, when our parent goes away (we are re-parented), we act as if the SIGTERM had reached us.
// A direct start (`saffron web &`, a service manager, nohup) is left alone.
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  watch.unref();
}
require('../dist/cli.cjs');
