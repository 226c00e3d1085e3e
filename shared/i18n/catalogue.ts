// The shape of a message catalogue. The English catalogue (en.ts) defines the keys; every other catalogue must have
// exactly those keys (the type says so, and test/unit/shared/i18n.test.ts checks placeholders and plural forms).
import type { Message } from './catalogue-message';
import type { en } from './en';

export type { Message, PluralMessage } from './catalogue-message';
export type MessageKey = keyof typeof en;
export type Catalogue = { readonly [K in MessageKey]: Message };
