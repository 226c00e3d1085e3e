import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CATALOGUES,
  LOCALES,
  createTranslator,
  localeFromEnv,
  matchLocale,
  pickLocale,
  placeholdersOf,
  translatorFor,
} from '../../../shared/i18n';
import type { Message } from '../../../shared/i18n';
import { coreEn, en } from '../../../shared/i18n/en';
import { formsOf as forms } from '../../../shared/i18n/catalogue-message';
import { FEATURE_TABLES } from '../../../shared/i18n/features';

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$/;

void test('every locale has exactly the English ids, the same placeholders, and a non-empty text for each', () => {
  const ids = Object.keys(en).sort();
  for (const locale of LOCALES) {
    const catalogue = CATALOGUES[locale] as Record<string, Message>;
    assert.deepEqual(Object.keys(catalogue).sort(), ids, `${locale}: ids differ from English`);
    for (const id of ids) {
      const message = catalogue[id];
      assert.ok(message !== undefined, `${locale}: ${id} missing`);
      assert.deepEqual(
        placeholdersOf(message),
        placeholdersOf((en as Record<string, Message>)[id]!),
        `${locale}: ${id}`,
      );
      for (const form of forms(message)) assert.ok(form.trim() !== '', `${locale}: ${id} is empty`);
      if (typeof message !== 'string')
        assert.ok(message.other !== '', `${locale}: ${id} has no 'other' form`);
    }
  }
});

void test('ids are stable dotted kebab-case names; braces only as {name} placeholders', () => {
  for (const id of Object.keys(en)) assert.match(id, ID);
  for (const locale of LOCALES)
    for (const [id, message] of Object.entries(CATALOGUES[locale] as Record<string, Message>))
      for (const form of forms(message))
        assert.equal(
          form.replace(/\{[a-zA-Z][a-zA-Z0-9_]*\}/g, '').match(/[{}]/),
          null,
          `${locale}: ${id} has a stray brace: ${form}`,
        );
});

void test('feature tables: prefixed ids, no collision with Saffron strings or each other, both languages', () => {
  const seen = new Set(Object.keys(coreEn));
  for (const table of FEATURE_TABLES) {
    assert.deepEqual(Object.keys(table.zhCN).sort(), Object.keys(table.en).sort(), table.feature);
    for (const id of Object.keys(table.en)) {
      assert.ok(id.startsWith(`${table.feature}.`), `${id} must start with ${table.feature}.`);
      assert.ok(!seen.has(id), `${id} is defined twice`);
      seen.add(id);
      assert.ok(Object.hasOwn(en, id), `${id} is not spread into en.ts (features/index.ts featureEn)`);
    }
  }
});

void test('placeholders are filled; plurals follow the locale; a missing value stays visible', () => {
  const t = translatorFor('en');
  assert.equal(t.t('recent.connect-label', { name: 'win11' }), 'Connect to win11');
  assert.equal(t.t('recent.minutes-ago', { count: 1 }), 'Used 1 minute ago');
  assert.equal(t.t('recent.minutes-ago', { count: 5 }), 'Used 5 minutes ago');
  assert.equal(t.t('recent.connect-label'), 'Connect to {name}');
  const zh = translatorFor('zh-CN');
  assert.equal(zh.t('recent.connect-label', { name: 'win11' }), '连接到 win11');
  assert.ok(zh.t('recent.minutes-ago', { count: 5 }).includes('5'));
  assert.ok(t.has('error.unreachable.title'));
  assert.ok(!t.has('error.no-such-code.title'));
});

void test('a catalogue without a key falls back to English, then to the id', () => {
  const partial = { 'app.name': 'X' } as unknown as typeof en;
  const t = createTranslator('zh-CN', partial, en);
  assert.equal(t.t('app.name'), 'X');
  assert.equal(t.t('connect.submit'), 'Connect');
});

void test('locale: browser tags, POSIX names and the CLI environment pick English or Simplified Chinese', () => {
  assert.equal(matchLocale('zh-CN'), 'zh-CN');
  assert.equal(matchLocale('zh_TW.UTF-8'), 'zh-CN');
  assert.equal(matchLocale('zh-Hans'), 'zh-CN');
  assert.equal(matchLocale('en-GB'), 'en');
  assert.equal(matchLocale('C'), undefined);
  assert.equal(matchLocale('fr-FR'), undefined);
  assert.equal(pickLocale(['fr-FR', 'zh-CN', 'en']), 'zh-CN');
  assert.equal(pickLocale(['de']), 'en');
  assert.equal(pickLocale([]), 'en');
  assert.equal(localeFromEnv({ LANG: 'zh_CN.UTF-8' }), 'zh-CN');
  assert.equal(localeFromEnv({ LANG: 'zh_CN.UTF-8' }, 'en'), 'en');
  assert.equal(localeFromEnv({ LANG: 'C', LANGUAGE: 'zh_CN' }), 'en');
  assert.equal(localeFromEnv({ LANG: 'en_US.UTF-8', LANGUAGE: 'zh_CN:en' }), 'zh-CN');
  assert.equal(localeFromEnv({}), 'en');
});
