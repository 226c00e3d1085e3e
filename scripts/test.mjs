// Runs the test suites with node's test runner (TypeScript through tsx), every test file under a time limit, and
// ends with a summary: tests skipped and why, files left out by an explicit opt-out, missing tools with the apt
// line that installs them, and any file that hit its time limit with the test it was running.
//
// Usage: node scripts/test.mjs [--preflight] [unit|integration|e2e|FILE|DIR ...]   (default: every suite)
//   --preflight: only check that the tools the selected files need are installed (what `npm test` does first, so a
//   missing package stops the run in a second with the apt-get line, not after the build)
// Environment:
//   SAFFRON_TEST_SKIP=e2e,integration,chromium,…  leave out suites, or the files that need these tools
//                                                  (test/support/require-tool.ts lists them); refused when CI is set
//   SAFFRON_TEST_FILE_TIMEOUT_S=N                  time limit of every file, in seconds (default: per suite below)
//   CI=1                                           nothing may be skipped: an opt-out or a skipped test fails the run
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['unit', 'integration', 'e2e'];
/**
 * Per-file time limits in seconds. Node 20's --test-timeout limits each file as a whole (Node 22 applies it to each
 * test); the summary reporter names the test a timed-out file was running. A file's tests also carry their own
 * `timeout` options where a step can hang.
 */
const FILE_TIMEOUT_S = { unit: 300, integration: 600, e2e: 300, other: 300 };

const tools = await tsImport('../test/support/require-tool.ts', import.meta.url);

function collect(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** The suite a test file belongs to (its folder under test/), or 'other' for a file given by path elsewhere. */
function suiteOf(file) {
  const parts = relative(join(ROOT, 'test'), resolve(file)).split(sep);
  return SUITES.includes(parts[0]) ? parts[0] : 'other';
}

function fail(message) {
  console.error(`scripts/test.mjs: ${message}`);
  process.exit(2);
}

// Which files, grouped by suite.
const preflight = process.argv[2] === '--preflight';
const args = process.argv.slice(preflight ? 3 : 2);
const GROUPS = [...SUITES, 'other'];
const bySuite = new Map(GROUPS.map((s) => [s, []]));
for (const arg of args.length ? args : SUITES) {
  if (SUITES.includes(arg)) {
    bySuite.get(arg).push(...collect(join(ROOT, 'test', arg), []));
  } else if (existsSync(arg)) {
    const files = statSync(arg).isDirectory() ? collect(resolve(arg), []) : [resolve(arg)];
    for (const f of files) bySuite.get(suiteOf(f)).push(f);
  } else {
    fail(`unknown suite or file '${arg}' (suites: ${SUITES.join(', ')})`);
  }
}
if ([...bySuite.values()].every((f) => f.length === 0)) fail('no test files found');

let optOuts;
try {
  optOuts = tools.parseOptOuts(process.env);
} catch (e) {
  fail(e.message);
}
const ci = tools.isCi(process.env);

// Leave out what the user opted out of; note what is missing.
const leftOut = []; // { file, why }
const missingByTool = new Map(); // tool → files
const plan = [];
for (const suite of GROUPS) {
  const files = [];
  for (const file of bySuite.get(suite)) {
    const rel = relative(ROOT, file);
    const needs = suite === 'unit' ? [] : tools.declaredTools(readFileSync(file, 'utf8'));
    const unknown = needs.filter((n) => !tools.isToolName(n));
    if (unknown.length)
      fail(`${rel} requires unknown tool(s) ${unknown.join(', ')} (known: ${tools.TOOL_NAMES.join(', ')})`);
    const optedOut = needs.filter((n) => optOuts.tools.has(n));
    if (optOuts.suites.has(suite)) leftOut.push({ file: rel, why: `suite ${suite}` });
    else if (optedOut.length) leftOut.push({ file: rel, why: `needs ${optedOut.join(', ')}` });
    else {
      for (const t of tools.missingTools(needs, process.env)) {
        if (!missingByTool.has(t)) missingByTool.set(t, []);
        missingByTool.get(t).push(rel);
      }
      files.push(file);
    }
  }
  if (files.length) plan.push({ suite, files });
}

const missing = [...missingByTool.keys()];
if (preflight) {
  if (missing.length) {
    console.error(tools.missingToolsMessage('npm test', missing));
    process.exit(1);
  }
  const left = leftOut.length ? `; ${leftOut.length} files left out by SAFFRON_TEST_SKIP` : '';
  console.log(`test tools: everything the selected suites need is installed${left}`);
  process.exit(0);
}
if (missing.length) {
  console.error(tools.missingToolsMessage('This run', missing));
  console.error('The files that need them will fail.\n');
}

const work = mkdtempSync(join(tmpdir(), 'saffron-test-'));
let child;
const stop = (signal) => {
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL'); // the runner's process group: test files and what they started
    } catch {
      /* already gone */
    }
  }
  rmSync(work, { recursive: true, force: true });
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

function runSuite(suite, files, eventsFile) {
  const limitS = Number(process.env.SAFFRON_TEST_FILE_TIMEOUT_S) || FILE_TIMEOUT_S[suite];
  console.log(`\n# ${suite}: ${files.length} files, each limited to ${limitS} s`);
  const nodeArgs = [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${limitS * 1000}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(ROOT, 'scripts', 'test-summary-reporter.mjs')}`,
    `--test-reporter-destination=${eventsFile}`,
    ...files.map((f) => relative(ROOT, f)),
  ];
  return new Promise((resolvePromise) => {
    child = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      stdio: 'inherit',
      detached: true, // its own process group, so a stop kills everything it started
      // Started from inside a test file (the suite's own tests do), node --test would refuse to run files.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
    });
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

let status = 0;
const events = [];
for (const { suite, files } of plan) {
  const eventsFile = join(work, `${suite}.jsonl`);
  const code = await runSuite(suite, files, eventsFile);
  if (code !== 0) status = 1;
  if (existsSync(eventsFile)) {
    for (const l of readFileSync(eventsFile, 'utf8').split('\n')) if (l) events.push(JSON.parse(l));
  }
}
rmSync(work, { recursive: true, force: true });

// The summary.
const skipped = events.filter((e) => e.kind === 'skip' || e.kind === 'todo');
const timeouts = events.filter((e) => e.kind === 'timeout');
const lines = [];
if (leftOut.length) {
  lines.push(`Left out by SAFFRON_TEST_SKIP=${process.env.SAFFRON_TEST_SKIP} (${leftOut.length} files):`);
  for (const l of leftOut) lines.push(`  ${l.file} (${l.why})`);
}
if (skipped.length) {
  lines.push(`Skipped tests (${skipped.length}):`);
  for (const s of skipped) lines.push(`  ${relative(ROOT, s.file)} › ${s.test}: ${s.kind} — ${s.reason}`);
}
for (const t of timeouts) {
  const what = t.running.length ? `while running ${t.running.map((n) => `'${n}'`).join(', ')}` : '';
  lines.push(`Time limit: ${relative(ROOT, t.file)} ${t.message} ${what}`.trimEnd());
}
if (missing.length) {
  lines.push(`Missing tools (their files failed): ${missing.join(', ')}`);
  lines.push(`  sudo apt-get install -y ${tools.packagesFor(missing).join(' ')}`);
}
if (ci && (skipped.length || leftOut.length)) {
  lines.push(
    `CI: ${skipped.length + leftOut.length} tests or files were skipped; nothing may be skipped in CI.`,
  );
  status = 1;
}
console.log(`\n# summary: ${status === 0 ? 'passed' : 'FAILED'}${lines.length ? '' : ', nothing skipped'}`);
for (const l of lines) console.log(`# ${l}`);
process.exit(status);
