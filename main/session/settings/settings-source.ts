// The live settings of the session process: what features read (`ctx.settings.get().clipboardToGuest`) and
// subscribe to, backed by a SettingsStore. One instance per session process; the settings bridge is its only writer.
import type { Settings, SettingsPatch } from '../../../shared/settings';
import { applySettingsPatch } from '../../../shared/settings';
import { errorMessage } from '../../spice/errors';
import type { Logger } from '../../spice/logger';
import type { SettingsStore } from './settings-store';

export interface SettingsReader {
  get(): Readonly<Settings>;
  /** Called after every change with the new settings; returns an unsubscribe function. */
  onChange(listener: (settings: Readonly<Settings>) => void): () => void;
}

export class SettingsSource implements SettingsReader {
  private current: Settings;
  private readonly listeners = new Set<(settings: Readonly<Settings>) => void>();

  constructor(
    private readonly store: SettingsStore,
    private readonly logger: Logger,
  ) {
    this.current = store.load();
  }

  get persistent(): boolean {
    return this.store.persistent;
  }

  get(): Readonly<Settings> {
    return this.current;
  }

  onChange(listener: (settings: Readonly<Settings>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a validated patch, saves it (a failed save is logged; the change still applies for this run). */
  update(patch: SettingsPatch): Settings {
    this.current = applySettingsPatch(this.current, patch);
    try {
      this.store.save(this.current);
    } catch (e) {
      this.logger.warn(`could not save the settings: ${errorMessage(e)}`);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(this.current);
      } catch (e) {
        this.logger.warn(`a settings listener failed: ${errorMessage(e)}`);
      }
    }
    return this.current;
  }
}
