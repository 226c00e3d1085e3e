// Where each feature's string table joins the message catalogue. A feature (clipboard, transfer, audio, USB, video)
// keeps its strings in `shared/i18n/features/<feature>.ts`: an English table with stable ids prefixed by the feature
// (`'clipboard.share-to-guest'`) and its Simplified Chinese counterpart typed by the English keys (a missing
// translation does not compile). Add both tables below and to FEATURE_TABLES; en.ts and zh-CN.ts spread them in, and
// test/unit/shared/i18n.test.ts checks ids, prefixes, collisions and placeholders (docs/ui.md, "Adding strings").
import type { Message } from '../catalogue-message';

/** One feature's tables, as FEATURE_TABLES lists them for the catalogue tests. */
export interface FeatureTable {
  /** The id prefix every key of the table starts with (`clipboard` → `clipboard.…`). */
  readonly feature: string;
  readonly en: Readonly<Record<string, Message>>;
  readonly zhCN: Readonly<Record<string, Message>>;
}

/** The Simplified Chinese table of an English feature table: exactly its keys. */
export type TranslationOf<T> = { readonly [K in keyof T]: Message };

// The lead adds each feature here, e.g.:
//   import { clipboardEn, clipboardZhCN } from './clipboard';
//   export const featureEn = { ...clipboardEn } as const;
//   export const featureZhCN: TranslationOf<typeof featureEn> = { ...clipboardZhCN };
//   export const FEATURE_TABLES = [{ feature: 'clipboard', en: clipboardEn, zhCN: clipboardZhCN }];
export const featureEn = {} as const satisfies Record<string, Message>;
export const featureZhCN: TranslationOf<typeof featureEn> = {};
export const FEATURE_TABLES: readonly FeatureTable[] = [];
