// The clipboard feature's user-facing strings: an English table with stable ids and {name} placeholders (the UI
// catalogue of issue 18 takes them over).
export const CLIPBOARD_STRINGS = {
  'clipboard.share-to-guest': 'Share clipboard with guest',
  'clipboard.share-to-guest.title': 'Let the guest paste what you copy on this computer',
  'clipboard.share-from-guest': 'Share guest clipboard',
  'clipboard.share-from-guest.title': 'Copy what the guest copies to this computer',
  'clipboard.fetch-failed': 'Could not copy the guest clipboard: {reason}',
  'clipboard.write-failed':
    'The browser refused to write the clipboard ({reason}). Click the page and try again.',
  'clipboard.read-denied':
    'The browser does not let this page read the clipboard ({reason}); paste with Ctrl+V into the page instead.',
  'clipboard.insecure':
    'Clipboard sharing needs a secure page (https:// or http://127.0.0.1); start saffron web with TLS.',
  'clipboard.no-agent': 'No guest agent: clipboard sharing works once spice-vdagent runs in the guest.',
} as const;

export type ClipboardStringId = keyof typeof CLIPBOARD_STRINGS;

export function clipboardText(id: ClipboardStringId, values: Record<string, string> = {}): string {
  return CLIPBOARD_STRINGS[id].replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}
