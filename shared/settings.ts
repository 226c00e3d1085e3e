// The user's settings: one typed schema with defaults and guards, shared by the page (settings dialog, chrome),
// the session process (which owns and stores them: a file in the app's user-data directory or in the user's config
// directory for `saffron web`) and the features that read them. Per user, never per connection; no secrets (a
// password is never a setting). `parseSettings` accepts anything (an old or hand-edited file) and keeps what is
// valid; `isSettingsPatch` is the strict guard of a change a view asks for.
import type { AppCommand } from './commands';
import { REMAPPABLE_COMMANDS } from './commands';
import { LOCALES } from './i18n/locale';
import { parsePassThrough, parseShortcut } from './shortcuts';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
export const LANGUAGES = ['system', ...LOCALES] as const;
export type LanguageSetting = (typeof LANGUAGES)[number];
export const DEFAULT_ZOOMS = ['fit', '100', '200'] as const;
export type DefaultZoom = (typeof DEFAULT_ZOOMS)[number];

export interface Settings {
  /** How a new connection is shown: fit to the window, or 100 % / 200 % (guest pixels per device pixel). */
  defaultZoom: DefaultZoom;
  /** Ask the guest to match its resolution to the window (the agent's monitors config). */
  autoResize: boolean;
  /** Share the host clipboard with the guest. */
  clipboardToGuest: boolean;
  /** Share the guest clipboard with the host. */
  clipboardFromGuest: boolean;
  /** Redirect newly plugged USB devices to the guest automatically. */
  usbAutoShare: boolean;
  /** Play the guest's sound. */
  audioPlayback: boolean;
  /** Send the host microphone to the guest when it records. */
  microphone: boolean;
  /** Reconnect by itself when a working connection is lost. */
  autoReconnect: boolean;
  theme: Theme;
  language: LanguageSetting;
  /** Host shortcuts that go to the guest, grabbed or not ("Alt+Tab", "Meta", …): locked in fullscreen. */
  passThroughKeys: string[];
  /** The user's shortcut per command ('' = none); absent = the default. A connection's .vv [hotkeys] win. */
  shortcuts: Partial<Record<AppCommand, string>>;
}

export type SettingKey = keyof Settings;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  defaultZoom: 'fit',
  autoResize: true,
  clipboardToGuest: true,
  clipboardFromGuest: true,
  usbAutoShare: false,
  audioPlayback: true,
  microphone: false,
  autoReconnect: true,
  theme: 'system',
  language: 'system',
  passThroughKeys: ['Alt+Tab', 'Meta'],
  shortcuts: {},
});

export const SETTINGS_LIMITS = { maxPassThroughKeys: 32, maxShortcutLength: 64 } as const;

export function defaultSettings(): Settings {
  return { ...DEFAULT_SETTINGS, passThroughKeys: [...DEFAULT_SETTINGS.passThroughKeys], shortcuts: {} };
}

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const oneOf =
  <T extends string>(list: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (list as readonly string[]).includes(v);

function isRecordValue(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPassThroughList(v: unknown): v is string[] {
  return (
    Array.isArray(v) &&
    v.length <= SETTINGS_LIMITS.maxPassThroughKeys &&
    v.every(
      (s) =>
        typeof s === 'string' &&
        s.length <= SETTINGS_LIMITS.maxShortcutLength &&
        parsePassThrough(s) !== undefined,
    )
  );
}

function isShortcutMap(v: unknown): v is Partial<Record<AppCommand, string>> {
  if (!isRecordValue(v)) return false;
  return Object.entries(v).every(
    ([command, text]) =>
      (REMAPPABLE_COMMANDS as readonly string[]).includes(command) &&
      typeof text === 'string' &&
      text.length <= SETTINGS_LIMITS.maxShortcutLength &&
      (text === '' || parseShortcut(text) !== undefined),
  );
}

/** One guard per setting: the schema's runtime half (a key added to Settings without a guard does not compile). */
export const SETTING_GUARDS: { readonly [K in SettingKey]: (v: unknown) => v is Settings[K] } = {
  defaultZoom: oneOf(DEFAULT_ZOOMS),
  autoResize: isBoolean,
  clipboardToGuest: isBoolean,
  clipboardFromGuest: isBoolean,
  usbAutoShare: isBoolean,
  audioPlayback: isBoolean,
  microphone: isBoolean,
  autoReconnect: isBoolean,
  theme: oneOf(THEMES),
  language: oneOf(LANGUAGES),
  passThroughKeys: isPassThroughList,
  shortcuts: isShortcutMap,
};

export const SETTING_KEYS = Object.keys(SETTING_GUARDS) as SettingKey[];

export function isSettingKey(v: unknown): v is SettingKey {
  return typeof v === 'string' && Object.hasOwn(SETTING_GUARDS, v);
}

/** Settings from anything (a stored file of any age): valid fields are kept, the rest are the defaults. */
export function parseSettings(value: unknown): Settings {
  const out = defaultSettings();
  if (!isRecordValue(value)) return out;
  for (const key of SETTING_KEYS) {
    const v = value[key];
    if (v !== undefined && SETTING_GUARDS[key](v)) (out as unknown as Record<string, unknown>)[key] = copy(v);
  }
  return out;
}

export type SettingsPatch = Partial<Settings>;

/** Strict: a non-empty object of known keys, each valid. */
export function isSettingsPatch(v: unknown): v is SettingsPatch {
  if (!isRecordValue(v)) return false;
  const entries = Object.entries(v);
  return (
    entries.length > 0 &&
    entries.length <= SETTING_KEYS.length &&
    entries.every(([key, value]) => isSettingKey(key) && SETTING_GUARDS[key](value))
  );
}

/** Exactly a full settings object (what the session sends to views). */
export function isSettings(v: unknown): v is Settings {
  return (
    isRecordValue(v) &&
    Object.keys(v).length === SETTING_KEYS.length &&
    SETTING_KEYS.every((key) => Object.hasOwn(v, key) && SETTING_GUARDS[key](v[key]))
  );
}

export function applySettingsPatch(settings: Settings, patch: SettingsPatch): Settings {
  const next = { ...settings };
  for (const key of SETTING_KEYS) {
    const v = patch[key];
    if (v !== undefined) (next as unknown as Record<string, unknown>)[key] = copy(v);
  }
  return next;
}

function copy<T>(v: T): T {
  if (Array.isArray(v)) return [...v] as T;
  if (isRecordValue(v)) return { ...v };
  return v;
}
