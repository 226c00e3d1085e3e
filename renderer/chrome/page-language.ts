// The page's language and theme: the locale comes from the settings (language) or, for 'system', from the browser's
// languages; static texts are filled from `data-i18n*` attributes; code that builds its own DOM asks `t` and
// re-renders on `onChange`. The theme sets `data-theme` on <html> ('system' leaves it to prefers-color-scheme).
import {
  pickLocale,
  translatorFor,
  type Locale,
  type MessageKey,
  type MessageParams,
  type Translator,
} from '../../shared/i18n';
import type { LanguageSetting, Theme } from '../../shared/settings';

const ATTRIBUTES = [
  ['data-i18n-title', 'title'],
  ['data-i18n-aria-label', 'aria-label'],
  ['data-i18n-placeholder', 'placeholder'],
] as const;

export class PageLanguage {
  private translator: Translator;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly root: Document,
    private readonly browserLanguages: () => readonly string[],
  ) {
    this.translator = translatorFor(pickLocale(browserLanguages()));
  }

  get locale(): Locale {
    return this.translator.locale as Locale;
  }

  readonly t = (key: MessageKey, params?: MessageParams): string => this.translator.t(key, params);

  has(key: string): key is MessageKey {
    return this.translator.has(key);
  }

  /** Applies the language setting ('system': the browser's languages) and re-translates the page. */
  setLanguage(setting: LanguageSetting): void {
    const locale = setting === 'system' ? pickLocale(this.browserLanguages()) : setting;
    this.translator = translatorFor(locale);
    this.root.documentElement.lang = locale;
    this.translate(this.root.body);
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every language change (components that render their own text). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fills every `data-i18n*` attribute under `root`. Unknown ids are shown as the id (a visible bug, never blank). */
  translate(root: ParentNode): void {
    for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]'))
      el.textContent = this.text(el.dataset.i18n);
    for (const [data, attribute] of ATTRIBUTES)
      for (const el of root.querySelectorAll<HTMLElement>(`[${data}]`))
        el.setAttribute(attribute, this.text(el.getAttribute(data) ?? undefined));
  }

  private text(id: string | undefined): string {
    if (id === undefined) return '';
    return this.has(id) ? this.t(id) : id;
  }
}

export function applyTheme(root: Document, theme: Theme): void {
  if (theme === 'system') delete root.documentElement.dataset.theme;
  else root.documentElement.dataset.theme = theme;
}
