// Electron entry (bundled to dist/main/index.cjs): wiring only; everything lives in main/app/.
// `saffron <command> …` against the installed binary runs the bundled CLI instead of the app (cli-dispatch.ts),
// decided before Electron's app starts so a CLI run opens no window and needs no display.
import { spawnSync } from 'node:child_process';
import { app } from 'electron';
import { cliBundlePath, cliDispatch, runCli } from './app/cli-dispatch';
import { startApp } from './app/app-main';
import { userArgs } from './app/launch-args';

const dispatch = cliDispatch(userArgs(process.argv, app.isPackaged));
if (dispatch.kind === 'cli') {
  const write = (text: string): void => void process.stderr.write(text);
  app.exit(runCli(process.execPath, cliBundlePath(__dirname), dispatch.args, process.env, spawnSync, write));
} else {
  startApp();
}
