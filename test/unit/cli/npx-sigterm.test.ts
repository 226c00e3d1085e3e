// `npx saffron web` runs as npm → sh -c → node: a SIGTERM to npm ends the shell and never reaches node. The
// launcher (bin/saffron.cjs) notices it lost its parent and stops like on a SIGTERM, so the port is freed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { buildCliPackage, type CliPackage } from '../../support/cli-process';

let cli: CliPackage;
before(async () => {
  cli = await buildCliPackage('saffron-cli-npx');
});
after(() => cli.cleanup());

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

void test(
  'SIGTERM to `npx saffron web` stops the real server and frees its port',
  { timeout: 60_000 },
  async () => {
    const npx = spawn('npx', ['--offline', '--yes', 'saffron', 'web', '--listen', '127.0.0.1:0'], {
      cwd: cli.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    npx.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no "listening" line: ${stderr}`)), 30_000);
        npx.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /listening http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
      });
      assert.equal(await portOpen(port), true, 'saffron web is serving');
      npx.kill('SIGTERM');
      let open = true;
      for (let i = 0; i < 30 && open; i++) {
        await new Promise((r) => setTimeout(r, 100));
        open = await portOpen(port);
      }
      assert.equal(open, false, `the port is still open 3 s after SIGTERM to npx\n${stderr}`);
    } finally {
      npx.kill('SIGKILL');
    }
  },
);
