// Text that came from a server (VM name, notices, migration host, error details, agent strings) made safe to
// show: in a terminal, control characters would set the title, clear the screen or fake output (ESC, C1 CSI,
// BEL, CR); in a window, bidirectional overrides and invisible characters spoof what is read. The one helper
// every sink uses (CLI output and logs, window titles, status lines and notices).

/** C0/C1 controls and DEL, bidi embeddings/overrides/isolates, zero-width and other invisible format characters. */
const UNSAFE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
/** Line breaks and tabs: shown as a space, so one message stays one line. */
const BREAKS = /[\t\n\r\u2028\u2029\u0085]/g;
/** Surrogate halves without their partner (not text; some terminals print garbage for them). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Default longest text shown from a server (a 1 MB "name" must not fill a screen). */
export const MAX_PRINTABLE_LENGTH = 512;

/**
 * `text` with every control or invisible character replaced ('?', or a space for line breaks and tabs) and cut
 * to `maxLength` characters (with '…'). Printable Unicode (accents, CJK, emoji) is kept as is.
 */
export function printableText(text: string, maxLength = MAX_PRINTABLE_LENGTH): string {
  let out = text.replace(BREAKS, ' ').replace(UNSAFE, '?').replace(LONE_SURROGATE, '?');
  if (out.length > maxLength) {
    let cut = maxLength - 1;
    // Do not split a surrogate pair.
    if (/[\ud800-\udbff]/.test(out.charAt(cut - 1))) cut--;
    out = out.slice(0, cut) + '…';
  }
  return out;
}

/** JSON for a terminal: like JSON.stringify, but C1 controls and bidi/invisible characters are \u-escaped too. */
export function terminalSafeJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
