// Which language to speak: the supported locales, and how a preference list (browser languages, the OS locale
// from the environment, a setting, --lang) picks one. Chinese of any region gets the Simplified Chinese catalogue
// (closer for a reader of Traditional Chinese than English); everything else not supported gets English.
import type { Catalogue } from './catalogue';
import { en } from './en';
import { zhCN } from './zh-CN';
import { createTranslator, type Translator } from './translate';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, 'zh-CN': zhCN };

/** Maps one BCP 47 tag or POSIX locale name ("zh_CN.UTF-8", "zh-Hans-CN", "en-GB") to a supported locale. */
export function matchLocale(tag: string): Locale | undefined {
  const clean = tag
    .trim()
    .replace(/[.@].*$/, '')
    .replace(/_/g, '-')
    .toLowerCase();
  if (clean === '' || clean === 'c' || clean === 'posix') return undefined;
  const language = clean.split('-')[0];
  if (language === 'zh') return 'zh-CN';
  if (language === 'en') return 'en';
  return undefined;
}

/** The first supported locale of a preference list (most preferred first), else English. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const match = matchLocale(tag);
    if (match) return match;
  }
  return 'en';
}

/**
 * The CLI's language: `--lang` (passed as `flag`), then SAFFRON_LANG, then the POSIX locale variables in their
 * precedence order (LANGUAGE is a colon-separated list, consulted only when a locale is set, as gettext does).
 */
export function localeFromEnv(env: Readonly<Record<string, string | undefined>>, flag?: string): Locale {
  const candidates: string[] = [];
  if (flag !== undefined) candidates.push(flag);
  if (env.SAFFRON_LANG) candidates.push(env.SAFFRON_LANG);
  const posix = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  if (posix !== '' && posix !== 'C' && posix !== 'POSIX' && env.LANGUAGE)
    candidates.push(...env.LANGUAGE.split(':'));
  if (posix !== '') candidates.push(posix);
  return pickLocale(candidates);
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function translatorFor(locale: Locale): Translator {
  return createTranslator(locale, CATALOGUES[locale], en);
}
