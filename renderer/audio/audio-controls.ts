// The sound controls: mute, volume, microphone toggle with its status, and "Enable sound" when the browser held
// playback back. One self-contained element any chrome can host (the toolbar today, the new viewer chrome later);
// it only renders `audio-state` and sends `audioSettings`.
import type { AudioSettingsRequest, AudioStateMessage } from '../../shared/audio-contract';
import { audioText } from './strings';

export interface AudioControlsHooks {
  settings(changes: AudioSettingsRequest): void;
  /** The user asked to hear the sound the browser held back (a user gesture). */
  enableSound(): void;
}

export class AudioControls {
  readonly element: HTMLElement;
  private readonly muteButton: HTMLButtonElement;
  private readonly volume: HTMLInputElement;
  private readonly micButton: HTMLButtonElement;
  private readonly micStatus: HTMLElement;
  private readonly enableButton: HTMLButtonElement;
  private state: AudioStateMessage | undefined;

  constructor(doc: Document, hooks: AudioControlsHooks) {
    const el = (tag: string, className: string): HTMLElement => {
      const e = doc.createElement(tag);
      e.className = className;
      return e;
    };
    this.element = el('div', 'audio-controls');
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', audioText('audio.group-label'));
    this.element.hidden = true;

    this.enableButton = el('button', 'audio-enable') as HTMLButtonElement;
    this.enableButton.type = 'button';
    this.enableButton.textContent = audioText('audio.enable-sound');
    this.enableButton.title = audioText('audio.enable-sound-hint');
    this.enableButton.hidden = true;
    this.enableButton.addEventListener('click', () => hooks.enableSound());

    this.muteButton = el('button', 'audio-mute') as HTMLButtonElement;
    this.muteButton.type = 'button';
    this.muteButton.addEventListener('click', () => hooks.settings({ muted: !(this.state?.muted ?? false) }));

    this.volume = el('input', 'audio-volume') as HTMLInputElement;
    this.volume.type = 'range';
    this.volume.min = '0';
    this.volume.max = '100';
    this.volume.step = '1';
    this.volume.setAttribute('aria-label', audioText('audio.volume'));
    this.volume.addEventListener('input', () => hooks.settings({ volume: Number(this.volume.value) }));

    this.micButton = el('button', 'audio-mic') as HTMLButtonElement;
    this.micButton.type = 'button';
    this.micButton.textContent = audioText('audio.mic-label');
    this.micButton.addEventListener('click', () =>
      hooks.settings({ micEnabled: !(this.state?.micEnabled ?? false) }),
    );
    this.micStatus = el('span', 'audio-mic-status');
    this.micStatus.setAttribute('role', 'status');

    this.element.append(this.enableButton, this.muteButton, this.volume, this.micButton, this.micStatus);
  }

  update(state: AudioStateMessage): void {
    this.state = state;
    this.element.hidden = state.playback === 'none' && state.record === 'none';
    this.muteButton.textContent = state.muted ? '🔇' : '🔊';
    this.muteButton.setAttribute('aria-pressed', String(state.muted));
    this.muteButton.title = state.guestMuted
      ? audioText('audio.guest-muted')
      : audioText(state.muted ? 'audio.unmute' : 'audio.mute');
    this.muteButton.disabled = state.playback === 'none';
    this.volume.value = String(state.volume);
    this.volume.title = audioText('audio.volume-value', { percent: state.volume });
    this.volume.disabled = state.playback === 'none';
    this.micButton.setAttribute('aria-pressed', String(state.micEnabled));
    this.micButton.disabled = state.record === 'none';
    this.micButton.title =
      state.record === 'none'
        ? audioText('audio.mic-no-record')
        : audioText(state.micEnabled ? 'audio.mic-disable' : 'audio.mic-enable');
    this.micStatus.textContent =
      state.micStatus === 'error'
        ? audioText('audio.mic-status.error', { message: state.micMessage ?? '' })
        : audioText(`audio.mic-status.${state.micStatus}`);
    this.element.dataset.micStatus = state.micStatus;
    this.element.dataset.output = String(state.output);
    if (!state.output && state.playback !== 'none') this.element.title = audioText('audio.other-output');
    else this.element.removeAttribute('title');
  }

  /** The browser's autoplay policy holds the sound until a user gesture. */
  setBlocked(blocked: boolean): void {
    this.enableButton.hidden = !blocked;
  }
}
