// The message catalogue's runtime: `t(key, params)` over one catalogue, `{name}` placeholders, and plural messages
// chosen by the locale's plural rules (Intl.PluralRules). Used by the renderer, the Electron menus and the CLI, so
// every user-facing string goes through the same catalogues (en.ts, zh-CN.ts).
import type { Catalogue, Message, MessageKey, PluralMessage } from './catalogue';
import { formsOf } from './catalogue-message';

export type MessageParams = Readonly<Record<string, string | number>>;

export interface Translator {
  readonly locale: string;
  t(key: MessageKey, params?: MessageParams): string;
  /** Whether `key` is a key of the catalogue (for keys that arrive as data, e.g. error codes). */
  has(key: string): key is MessageKey;
}

const PLACEHOLDER = /\{([a-zA-Z][a-zA-Z0-9_]*)\}/g;

/** The placeholder names of a template or of every form of a plural message, sorted and unique. */
export function placeholdersOf(message: Message): string[] {
  const forms = formsOf(message);
  const names = new Set<string>();
  for (const form of forms) for (const m of form.matchAll(PLACEHOLDER)) names.add(m[1] ?? '');
  return [...names].sort();
}

/** Replaces `{name}` with params.name; a placeholder without a value stays visible (never an empty hole). */
export function fillPlaceholders(
  template: string,
  params: MessageParams | undefined,
  locale: string,
): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params?.[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value, locale) : value;
  });
}

function formatNumber(value: number, locale: string): string {
  // Counts and sizes read best with the locale's grouping ("1,024" / "1,024"); ports and ids are passed as strings.
  return Number.isFinite(value) ? new Intl.NumberFormat(locale).format(value) : String(value);
}

function isPlural(message: Message): message is PluralMessage {
  return typeof message !== 'string';
}

export function createTranslator(locale: string, catalogue: Catalogue, fallback?: Catalogue): Translator {
  const rules = new Intl.PluralRules(locale);
  return {
    locale,
    has: (key: string): key is MessageKey => Object.hasOwn(catalogue, key),
    t(key, params) {
      const message: Message | undefined = catalogue[key] ?? fallback?.[key];
      if (message === undefined) return key;
      if (!isPlural(message)) return fillPlaceholders(message, params, locale);
      const count = params?.count;
      const category = typeof count === 'number' ? rules.select(count) : 'other';
      const form = message[category] ?? message.other;
      return fillPlaceholders(form, params, locale);
    },
  };
}
