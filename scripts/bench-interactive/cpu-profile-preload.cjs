// Preloaded (NODE_OPTIONS=--require) into `saffron web` and its session process when the interactive benchmark
// runs with SAFFRON_BENCH_PROFILE_DIR set: a V8 CPU profile of the whole process, written on exit to
// DIR/<pid>-<argv1 name>.cpuprofile. (Node 20 refuses --cpu-prof in NODE_OPTIONS, and the session process is
// spawned without its parent's execArgv, so a preload is the one way in that reaches both.)
'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

const dir = process.env.SAFFRON_BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = `${process.pid}-${basename(process.argv[1] || 'node')}.cpuprofile`;
      writeFileSync(join(dir, name), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  process.on('SIGTERM', () => {
    write();
    process.exit(143);
  });
}
