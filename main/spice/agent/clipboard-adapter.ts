// The contract between the agent's clipboard core and a shell's clipboard (Electron's `clipboard` module, the
// browser's async Clipboard API, a test fake). The shell implements ClipboardAdapter and hands it to the session
// at construction; it drives the core through AgentClipboard's hostGrab / hostRelease / readGuest.

/** CLIPBOARD (Ctrl+C/Ctrl+V) and PRIMARY (X11 select / middle-click; Linux hosts only). */
export type ClipboardSelection = 'clipboard' | 'primary';

export type ClipboardKind = 'text' | 'image';

/** Text is a JS string (line endings are the host's LF); images are PNG bytes. */
export type ClipboardContent = { kind: 'text'; text: string } | { kind: 'image'; png: Uint8Array };

export interface ClipboardAdapter {
  /**
   * The guest now owns `selection` and offers `kinds`. The shell advertises them on the host clipboard and fetches
   * the data with AgentClipboard.readGuest when the host pastes (or at once, when its clipboard cannot be lazy).
   * Whatever the shell writes to the host clipboard must be reported back through hostGrab with the fingerprint
   * of the written content (clipboardFingerprint), so the core recognises the echo and does not grab it back.
   */
  guestGrab(selection: ClipboardSelection, kinds: readonly ClipboardKind[]): void;
  /** The guest gave up `selection`: stop offering what it had. */
  guestRelease(selection: ClipboardSelection): void;
  /**
   * The guest pastes what the host offered: return the host's content of `kind`, or null when there is none.
   * Rejections and slow answers (past the request timeout) are answered to the guest as "no data".
   */
  readHost(selection: ClipboardSelection, kind: ClipboardKind): Promise<ClipboardContent | null>;
}

export type ClipboardErrorCode =
  /** Larger than the configured maximum (maxClipboardBytes). */
  | 'too-large'
  /** The guest did not answer within the request timeout. */
  | 'timeout'
  /** The agent disconnected (or the session ended) before the answer came. */
  | 'agent-gone'
  /** The guest's data could not be read (a broken image, an unsupported BMP variant). */
  | 'bad-data';

/** How readGuest fails; `message` is a full sentence for the user. */
export class ClipboardError extends Error {
  constructor(
    readonly code: ClipboardErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClipboardError';
  }
}
