// The settings bridge: answers setSettings (the patch already passed the contract's guard), and sends the settings to
// every view when it attaches and to every view and the shell (Electron rebuilds its menus in the new language) when
// they change. Features read the same settings through `ctx.settings` (SessionContext).
import type { RequestHandlers, SessionBridge, SessionContext, ViewPort } from '../session-bridge';
import type { SettingsSource } from '../settings/settings-source';

export class SettingsBridge implements SessionBridge {
  readonly name = 'settings';

  constructor(
    private readonly ctx: SessionContext,
    private readonly source: SettingsSource,
  ) {}

  readonly handlers: Pick<RequestHandlers, 'setSettings'> = {
    setSettings: (patch) => {
      const settings = this.source.update(patch);
      this.ctx.broadcast({ kind: 'settings', settings, persistent: this.source.persistent });
      this.ctx.events.settings(settings);
    },
  };

  viewAttached(view: ViewPort): void {
    view.send({ kind: 'settings', settings: this.source.get(), persistent: this.source.persistent });
  }
}
