// Where the user's settings are kept: a JSON file (the desktop app's user-data directory; `saffron web`: the user's
// config directory) or memory. Read through parseSettings, so an old, damaged or hand-edited file yields the valid
// settings it holds and defaults for the rest; written atomically (temporary file + rename), readable by the user only.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Settings } from '../../../shared/settings';
import { parseSettings } from '../../../shared/settings';

export interface SettingsStore {
  /** Whether settings survive this process (a file) or not (memory). */
  readonly persistent: boolean;
  load(): Settings;
  save(settings: Settings): void;
}

export function memorySettingsStore(initial?: Settings): SettingsStore {
  let current = parseSettings(initial);
  return { persistent: false, load: () => current, save: (s) => (current = s) };
}

/** Largest settings file read (a larger one is not ours: defaults are used). */
const MAX_FILE_BYTES = 64 * 1024;

export function fileSettingsStore(path: string): SettingsStore {
  return {
    persistent: true,
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return parseSettings(undefined);
      }
      if (text.length > MAX_FILE_BYTES) return parseSettings(undefined);
      try {
        return parseSettings(JSON.parse(text));
      } catch {
        return parseSettings(undefined);
      }
    },
    save(settings) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}

/**
 * The per-user settings file of `saffron web`, from the environment only (so a test passing its own env never reads
 * the real home): $XDG_CONFIG_HOME/saffron, ~/.config/saffron (Linux, BSD), ~/Library/Application Support/saffron
 * (macOS), %APPDATA%\saffron (Windows). Undefined when the environment names no home: settings stay in memory.
 */
export function userSettingsPath(
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
): string | undefined {
  const file = 'settings.json';
  if (platform === 'win32') return env.APPDATA ? join(env.APPDATA, 'saffron', file) : undefined;
  if (platform === 'darwin')
    return env.HOME ? join(env.HOME, 'Library', 'Application Support', 'saffron', file) : undefined;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'saffron', file);
  return env.HOME ? join(env.HOME, '.config', 'saffron', file) : undefined;
}
