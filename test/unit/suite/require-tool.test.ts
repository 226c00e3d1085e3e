// The tool requirements of the integration and e2e suites: a missing tool fails with its Debian package and the
// install command, opting out is explicit and refused in CI, every such file declares what it needs, and
// scripts/test.mjs reports skips and time limits by test name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TOOLS,
  TOOL_NAMES,
  checkTools,
  declaredTools,
  isCi,
  missingToolsMessage,
  packagesFor,
  parseOptOuts,
} from '../../support/require-tool';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BOGUS_BROWSER = '/nonexistent/saffron-test/chromium';

/** Runs scripts/test.mjs with `args`; resolves with its exit code and output. */
function runTestScript(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 240_000,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'test.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: '', SAFFRON_TEST_SKIP: '', ...env },
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`scripts/test.mjs ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, 'test', dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join('test', dir, f));
}

void test('a missing tool names its Debian packages and the apt-get line', () => {
  const msg = missingToolsMessage('test/e2e/x.test.ts', ['chromium', 'qemu']);
  assert.match(msg, /test\/e2e\/x\.test\.ts needs tools this machine lacks/);
  assert.match(msg, /chromium: .*Debian package chromium/);
  assert.match(msg, /sudo apt-get install -y chromium qemu-system-x86 ipxe-qemu seabios/);
  assert.match(msg, /SAFFRON_TEST_SKIP=chromium,qemu/);
  assert.deepEqual(packagesFor(['spicy', 'spicy']), ['spice-client-gtk']);
});

void test('checkTools: a bogus browser path is a missing chromium; SAFFRON_CHROMIUM at a real binary is present', () => {
  const file = join(ROOT, 'test/e2e/web-renderer.test.ts');
  const r = checkTools(['chromium'], file, { PATH: process.env.PATH, SAFFRON_CHROMIUM: BOGUS_BROWSER });
  assert.equal(r.kind, 'missing');
  assert.ok(r.kind === 'missing' && r.message.includes('apt-get install -y chromium'));
  // Any executable stands in for "a browser is there" (checkTools only checks the file).
  const present = checkTools(['chromium'], file, {
    PATH: process.env.PATH,
    SAFFRON_CHROMIUM: process.execPath,
  });
  assert.deepEqual(present, { kind: 'ok' });
});

void test('opt-outs: suites and tool names, unknown names rejected, refused in CI', () => {
  const o = parseOptOuts({ SAFFRON_TEST_SKIP: 'e2e, tshark' });
  assert.deepEqual([...o.suites], ['e2e']);
  assert.deepEqual([...o.tools], ['tshark']);
  assert.throws(() => parseOptOuts({ SAFFRON_TEST_SKIP: 'chromiun' }), /unknown name 'chromiun'/);
  assert.throws(() => parseOptOuts({ SAFFRON_TEST_SKIP: 'e2e', CI: '1' }), /not allowed in CI/);
  assert.throws(() => parseOptOuts({ SAFFRON_TEST_SKIP: 'e2e', CI: 'true' }), /not allowed in CI/);
  assert.equal(isCi({ CI: 'false' }), false);
  assert.equal(isCi({ CI: '' }), false);
  const file = join(ROOT, 'test/e2e/web-renderer.test.ts');
  const env = { PATH: '', SAFFRON_CHROMIUM: BOGUS_BROWSER, SAFFRON_TEST_SKIP: 'e2e' };
  assert.equal(checkTools(['chromium'], file, env).kind, 'opted-out');
  assert.equal(checkTools(['chromium'], file, { ...env, SAFFRON_TEST_SKIP: 'chromium' }).kind, 'opted-out');
  assert.equal(checkTools(['chromium'], file, { ...env, SAFFRON_TEST_SKIP: 'tshark' }).kind, 'missing');
});

void test('every integration and e2e test file declares its tools once, with known names; none skips by itself', () => {
  const files = [...testFiles('integration'), ...testFiles('e2e')];
  assert.ok(files.length >= 10, `${files.length} files`);
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const calls = source.match(/^requireTools\(/gm) ?? [];
    assert.equal(calls.length, 1, `${file}: one top-level requireTools([...]) call`);
    const names = declaredTools(source);
    assert.ok(names.length > 0, `${file}: requireTools names at least one tool`);
    for (const n of names) assert.ok(TOOL_NAMES.includes(n as never), `${file}: unknown tool '${n}'`);
  }
  // Skipping is the runner's job (an explicit opt-out, reported): no test may skip itself silently.
  for (const file of [...files, ...testFiles('unit')]) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    assert.doesNotMatch(source, /\bt\.skip\(|\btest\.skip\(|\{\s*skip\b|\bskip:\s/, `${file} skips a test`);
  }
  for (const tool of Object.values(TOOLS)) assert.ok(tool.packages.length > 0);
});

void test('the e2e suite with a bogus browser path fails, naming chromium and the install command', async () => {
  const r = await runTestScript(['e2e'], { SAFFRON_CHROMIUM: BOGUS_BROWSER });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /needs tools this machine lacks/);
  assert.match(r.out, /chromium: a Chromium binary at SAFFRON_CHROMIUM/);
  assert.match(r.out, /# Missing tools \(their files failed\): chromium/);
  assert.match(r.out, /# {3}sudo apt-get install -y chromium/);
  assert.doesNotMatch(r.out, /# summary: passed/);
});

void test('an explicit opt-out leaves the files out and says so; in CI it is refused', async () => {
  const r = await runTestScript(['e2e'], { SAFFRON_TEST_SKIP: 'e2e', SAFFRON_CHROMIUM: BOGUS_BROWSER });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /# Left out by SAFFRON_TEST_SKIP=e2e \(\d+ files\):/);
  assert.match(r.out, /test\/e2e\/web-renderer\.test\.ts \(suite e2e\)/);
  const ci = await runTestScript(['e2e'], { SAFFRON_TEST_SKIP: 'e2e', CI: '1' });
  assert.equal(ci.code, 2, ci.out);
  assert.match(ci.out, /SAFFRON_TEST_SKIP=e2e is not allowed in CI/);
});

void test('the summary lists skipped tests, fails them in CI, and names the test a file was running at its time limit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-runner-'));
  try {
    const skipping = join(dir, 'skipping.test.ts');
    writeFileSync(
      skipping,
      [
        "import { test } from 'node:test';",
        "test('runs', () => {});",
        "test('is skipped', { ['sk' + 'ip']: 'no frobnicator here' }, () => {});",
      ].join('\n'),
    );
    const local = await runTestScript([skipping], {});
    assert.equal(local.code, 0, local.out);
    assert.match(
      local.out,
      /# Skipped tests \(1\):\n# {3}.*skipping\.test\.ts › is skipped: skip — no frobnicator here/,
    );
    const ci = await runTestScript([skipping], { CI: '1' });
    assert.equal(ci.code, 1, ci.out);
    assert.match(ci.out, /nothing may be skipped in CI/);

    const hanging = join(dir, 'hanging.test.ts');
    writeFileSync(
      hanging,
      [
        "import { test } from 'node:test';",
        "test('finishes', () => {});",
        "test('waits forever', () => new Promise(() => setInterval(() => {}, 1000)));",
        "test('never starts', () => {});",
      ].join('\n'),
    );
    const hung = await runTestScript([hanging], { SAFFRON_TEST_FILE_TIMEOUT_S: '3' });
    assert.equal(hung.code, 1, hung.out);
    assert.match(
      hung.out,
      /# Time limit: .*hanging\.test\.ts test timed out after 3000ms while running 'waits forever'/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('CI and the README install every package a test requires', () => {
  const needed = packagesFor(TOOL_NAMES);
  const ciScript = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
  const ciList = /APT_PACKAGES=\(([\s\S]*?)\n\)/.exec(ciScript)?.[1] ?? '';
  const ciPackages = new Set(ciList.replace(/#.*$/gm, '').split(/\s+/).filter(Boolean));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const aptLine = /sudo apt-get install -y ([^`]*?)# the real peers/.exec(readme)?.[1] ?? '';
  const readmePackages = new Set(aptLine.split(/[\s\\]+/).filter(Boolean));
  for (const p of needed) {
    assert.ok(ciPackages.has(p), `.ci/run installs ${p}`);
    assert.ok(readmePackages.has(p), `the README's apt-get line installs ${p}`);
  }
  assert.match(ciScript, /^export CI=1$/m, 'CI runs with CI=1: nothing may be skipped');
  assert.match(
    ciScript,
    /timeout --kill-after=\S+ "\$SUITE_LIMIT" npm test/,
    'the whole suite runs under a limit',
  );
});
