// One message catalogue for every user-facing string (renderer, Electron menus, CLI): see docs/ui.md "Languages".
export type { Catalogue, Message, MessageKey, PluralMessage } from './catalogue';
export type { MessageParams, Translator } from './translate';
export { createTranslator, fillPlaceholders, placeholdersOf } from './translate';
export type { Locale } from './locale';
export {
  CATALOGUES,
  LOCALES,
  isLocale,
  localeFromEnv,
  matchLocale,
  pickLocale,
  translatorFor,
} from './locale';
