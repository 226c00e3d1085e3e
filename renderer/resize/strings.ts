// The auto-resize feature's user-facing strings: an English table with stable ids.
export const RESIZE_STRINGS = {
  'resize.auto': 'Resize guest to window',
  'resize.auto.title': "Change the guest's resolution to fit this window (needs the guest agent)",
} as const;

export type ResizeStringId = keyof typeof RESIZE_STRINGS;

export function resizeText(id: ResizeStringId): string {
  return RESIZE_STRINGS[id];
}
