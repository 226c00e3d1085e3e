// The file transfer feature's user-facing strings: an English table with stable ids and {name} placeholders.
export const TRANSFER_STRINGS = {
  'transfer.drop-hint': 'Drop files to send them to the guest',
  'transfer.panel-title': 'Sending files to the guest',
  'transfer.total': '{finished} of {files} files · {sent} of {total}',
  'transfer.cancel': 'Cancel',
  'transfer.cancel-all': 'Cancel all',
  'transfer.close': 'Close',
  'transfer.state.queued': 'Waiting',
  'transfer.state.starting': 'Starting',
  'transfer.state.sending': 'Sending',
  'transfer.state.confirming': 'Confirming',
  'transfer.state.done': 'Sent',
  'transfer.state.failed': 'Failed: {reason}',
  'transfer.state.cancelled': 'Cancelled',
  'transfer.no-agent': 'Files cannot be sent: no guest agent is running.',
  'transfer.disabled': 'The guest does not accept files (file transfer is disabled in its agent).',
  'transfer.folder-read-failed': 'Could not read the folder {name}.',
  'transfer.pick': 'Send files…',
} as const;

export type TransferStringId = keyof typeof TRANSFER_STRINGS;

export function transferText(id: TransferStringId, values: Record<string, string> = {}): string {
  return TRANSFER_STRINGS[id].replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** 1.5 MB, 12 KB, 900 B. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}
