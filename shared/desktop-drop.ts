// Files dropped on a desktop-app window, by path. The page never sees paths: it hands the dropped File objects to the
// preload (`window.saffronDesktop.dropFiles`), which asks Electron for their paths (webUtils.getPathForFile — only a
// file the user really dropped or picked has one, so a page cannot name an arbitrary path) and sends them to main on
// DROP_CHANNEL; main checks the sender and the payload (main/ipc/dropped-files.ts). `guest`: send them to the guest's
// agent (folders expanded by the session process); `open`: open the one .vv file from disk, so its
// delete-this-file=1 is honoured.
import { hasExactKeys, isRecord, isString } from './guard-primitives';

export const DROP_CHANNEL = 'saffron:drop';
/** The name of the preload's API on the page's window (absent in `saffron web`). */
export const DESKTOP_API_NAME = 'saffronDesktop';

export type DropPurpose = 'guest' | 'open';

export interface DropPayload {
  purpose: DropPurpose;
  paths: string[];
}

export const DROP_LIMITS = { maxPaths: 1024, maxPathLength: 4096 } as const;

export function isDropPayload(v: unknown): v is DropPayload {
  return (
    isRecord(v) &&
    hasExactKeys(v, ['purpose', 'paths']) &&
    (v.purpose === 'guest' || v.purpose === 'open') &&
    Array.isArray(v.paths) &&
    v.paths.length >= 1 &&
    v.paths.length <= DROP_LIMITS.maxPaths &&
    v.paths.every((p) => isString(p, DROP_LIMITS.maxPathLength, 1) && !p.includes('\0'))
  );
}
