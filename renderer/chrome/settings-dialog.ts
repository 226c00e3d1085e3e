// The settings dialog: language, theme, default zoom, sharing and reconnect toggles, and the remappable shortcuts.
// Every change is sent at once as a setSettings patch; the session process saves it and sends the settings back to
// every view (the dialog re-renders from that, so two open tabs agree).
import { COMMAND_SPECS, REMAPPABLE_COMMANDS, type AppCommand, type VvHotkey } from '../../shared/commands';
import { LOCALES } from '../../shared/i18n';
import type { RequestMap } from '../../shared/contract';
import { DEFAULT_ZOOMS, THEMES, type Settings, type SettingsPatch } from '../../shared/settings';
import { formatShortcut, parseShortcut } from '../../shared/shortcuts';
import type { PageLanguage } from './page-language';

export interface SettingsDialogDeps {
  language: PageLanguage;
  save(patch: RequestMap['setSettings']): void;
}

// The sharing/device/reconnect settings (clipboardToGuest, usbAutoShare, audioPlayback, microphone, autoResize,
// autoReconnect) are in the schema for the features that read them (`ctx.settings` in the session process); their
// toggles join this dialog when those features land, so no toggle here is without an effect.

const LANGUAGE_NAMES: Record<(typeof LOCALES)[number], string> = { en: 'English', 'zh-CN': '简体中文' };

export class SettingsDialog {
  private readonly dialog: HTMLDialogElement;
  private readonly fields: HTMLElement;
  private settings: Settings | undefined;
  private vvHotkeys: Partial<Record<VvHotkey, string>> = {};

  constructor(
    root: Document,
    private readonly deps: SettingsDialogDeps,
  ) {
    const dialog = root.getElementById('settings-dialog');
    const fields = root.getElementById('settings-fields');
    if (!(dialog instanceof HTMLDialogElement) || !fields) throw new Error('missing #settings-dialog');
    this.dialog = dialog;
    this.fields = fields;
    deps.language.onChange(() => this.render());
  }

  setSettings(settings: Settings, persistent: boolean): void {
    this.settings = settings;
    const note = this.dialog.querySelector<HTMLElement>('#settings-not-persistent');
    if (note) note.hidden = persistent;
    this.render();
  }

  setVvHotkeys(hotkeys: Partial<Record<VvHotkey, string>>): void {
    this.vvHotkeys = hotkeys;
    this.render();
  }

  open(): void {
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  private render(): void {
    const s = this.settings;
    if (!s) return;
    const { t } = this.deps.language;
    const save = (patch: SettingsPatch) => this.deps.save(patch);
    const focusedId = document.activeElement?.id;
    this.fields.replaceChildren(
      section(t('settings.section-general'), [
        select(
          'setting-language',
          t('settings.language'),
          s.language,
          [
            ['system', t('settings.language-system')],
            ...LOCALES.map((l): [string, string] => [l, LANGUAGE_NAMES[l]]),
          ],
          (v) => save({ language: v as Settings['language'] }),
        ),
        select(
          'setting-theme',
          t('settings.theme'),
          s.theme,
          THEMES.map((th): [string, string] => [th, t(`settings.theme-${th}`)]),
          (v) => save({ theme: v as Settings['theme'] }),
        ),
      ]),
      section(t('settings.section-display'), [
        select(
          'setting-default-zoom',
          t('settings.default-zoom'),
          s.defaultZoom,
          DEFAULT_ZOOMS.map((z): [string, string] => [z, t(`settings.zoom-${z}`)]),
          (v) => save({ defaultZoom: v as Settings['defaultZoom'] }),
        ),
      ]),
      section(
        t('settings.section-keyboard'),
        REMAPPABLE_COMMANDS.map((command) => this.shortcutField(command, s)),
      ),
    );
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  private shortcutField(command: AppCommand, s: Settings): HTMLElement {
    const { t } = this.deps.language;
    const spec = COMMAND_SPECS[command];
    const id = `shortcut-${command}`;
    const wrap = document.createElement('div');
    wrap.className = 'field shortcut-field';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = t(spec.label);
    const input = document.createElement('input');
    input.id = id;
    input.maxLength = 64;
    input.placeholder = t('settings.shortcut-none');
    const current = s.shortcuts[command] ?? spec.shortcut ?? '';
    input.value = current;
    const error = document.createElement('p');
    error.className = 'field-error';
    error.id = `${id}-error`;
    input.setAttribute('aria-describedby', error.id);
    const fromVv = spec.vvHotkey ? this.vvHotkeys[spec.vvHotkey] : undefined;
    if (fromVv) {
      const parsed = parseShortcut(fromVv);
      error.className = 'hint';
      error.textContent = t('settings.shortcut-from-vv', { keys: parsed ? formatShortcut(parsed) : fromVv });
    }
    input.addEventListener('change', () => {
      const text = input.value.trim();
      const parsed = text === '' ? undefined : parseShortcut(text);
      if (text !== '' && !parsed) {
        error.className = 'field-error';
        error.textContent = t('settings.shortcut-invalid', { text });
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      this.deps.save({ shortcuts: { ...s.shortcuts, [command]: parsed ? formatShortcut(parsed) : '' } });
    });
    wrap.append(label, input, error);
    return wrap;
  }
}

function section(title: string, children: HTMLElement[]): HTMLElement {
  const fieldset = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = title;
  fieldset.append(legend, ...children);
  return fieldset;
}

function select(
  id: string,
  text: string,
  value: string,
  options: [string, string][],
  onChange: (v: string) => void,
): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = text;
  const el = document.createElement('select');
  el.id = id;
  for (const [v, name] of options) {
    const option = document.createElement('option');
    option.value = v;
    option.textContent = name;
    el.append(option);
  }
  el.value = value;
  el.addEventListener('change', () => onChange(el.value));
  wrap.append(label, el);
  return wrap;
}
