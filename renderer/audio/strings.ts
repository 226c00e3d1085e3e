// The audio feature's user-facing strings: an English table with stable ids and {name} placeholders, until the
// UI catalogue (issue 18) takes them over.
export const AUDIO_STRINGS = {
  'audio.group-label': 'Sound',
  'audio.mute': 'Mute sound',
  'audio.unmute': 'Unmute sound',
  'audio.volume': 'Volume',
  'audio.volume-value': 'Volume {percent}%',
  'audio.enable-sound': 'Enable sound',
  'audio.enable-sound-hint':
    'The browser blocked sound until you interact with the page: click to hear the VM.',
  'audio.guest-muted': 'The VM muted its sound',
  'audio.no-playback': 'This VM has no sound',
  'audio.other-output': 'Sound plays in another window of this session',
  'audio.mic-enable': 'Let the VM hear your microphone',
  'audio.mic-disable': 'Stop sending your microphone to the VM',
  'audio.mic-label': 'Microphone',
  'audio.mic-status.off': 'Microphone off',
  'audio.mic-status.waiting': 'Microphone on (the VM is not recording)',
  'audio.mic-status.capturing': 'The VM hears your microphone',
  'audio.mic-status.denied': 'Microphone blocked: allow it in the browser, then turn it on again',
  'audio.mic-status.unavailable': 'No microphone available here',
  'audio.mic-status.error': 'Microphone failed: {message}',
  'audio.mic-no-record': 'This VM does not record sound',
} as const;

export type AudioStringId = keyof typeof AUDIO_STRINGS;

/** The string `id` with its {placeholders} filled in. */
export function audioText(id: AudioStringId, values: Record<string, string | number> = {}): string {
  return AUDIO_STRINGS[id].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}
