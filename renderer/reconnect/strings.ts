// The automatic reconnection's user-facing strings (English; stable ids for the catalogue of issue 18).
export const RECONNECT_STRINGS = {
  'reconnect.cancel': 'Cancel reconnecting',
  'reconnect.waiting': 'Reconnecting in {seconds} s (attempt {attempt})',
  'reconnect.trying': 'Reconnecting (attempt {attempt})…',
} as const;

export function reconnectText(
  id: keyof typeof RECONNECT_STRINGS,
  values: Record<string, string | number>,
): string {
  return RECONNECT_STRINGS[id].replace(/\{(\w+)\}/g, (_m, key: string) => String(values[key] ?? ''));
}
