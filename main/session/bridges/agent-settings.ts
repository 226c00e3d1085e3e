// The user's guest-agent settings for the life of the session process (share the clipboard each way, auto-resize),
// shared by the agent, clipboard and transfer bridges. The shell seeds them (--auto-resize, the app's last menu
// choices); any view or the app's menu changes them, and every listener hears the change.
import type { AgentSettings } from '../../../shared/contract';

export const DEFAULT_AGENT_SETTINGS: AgentSettings = {
  autoResize: true,
  clipboardToGuest: true,
  clipboardToHost: true,
};

export class AgentSettingsStore {
  private value: AgentSettings;
  private readonly listeners = new Set<(settings: AgentSettings, before: AgentSettings) => void>();

  constructor(initial: Partial<AgentSettings> = {}) {
    this.value = { ...DEFAULT_AGENT_SETTINGS, ...initial };
  }

  get current(): AgentSettings {
    return this.value;
  }

  /** Applies a partial change; listeners run only when something actually changed. */
  update(change: Partial<AgentSettings>): void {
    const before = this.value;
    const next = { ...before, ...change };
    if (
      next.autoResize === before.autoResize &&
      next.clipboardToGuest === before.clipboardToGuest &&
      next.clipboardToHost === before.clipboardToHost
    )
      return;
    this.value = next;
    for (const listener of [...this.listeners]) listener(next, before);
  }

  onChange(listener: (settings: AgentSettings, before: AgentSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
