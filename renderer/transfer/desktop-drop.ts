// The desktop app's preload API for dropped files (shared/desktop-drop.ts), when the page runs in the app: files go
// to main by path instead of being read by the page (no bytes through the page, folders expanded by the session
// process, a .vv opened from disk so delete-this-file works). Absent in `saffron web` and in any browser.
import { DESKTOP_API_NAME, type DropPurpose } from '../../shared/desktop-drop';

export interface DesktopDrop {
  /** Hands the files to the preload; returns how many had a path (0: the page handles them itself). */
  dropFiles(files: readonly File[], purpose: DropPurpose): number;
}

export function desktopDrop(target: object = window): DesktopDrop | undefined {
  const api: unknown = (target as Record<string, unknown>)[DESKTOP_API_NAME];
  if (typeof api !== 'object' || api === null) return undefined;
  const dropFiles: unknown = (api as Record<string, unknown>).dropFiles;
  if (typeof dropFiles !== 'function') return undefined;
  return {
    dropFiles: (files, purpose) => {
      const sent: unknown = Reflect.apply(dropFiles, api, [[...files], purpose]);
      return typeof sent === 'number' ? sent : 0;
    },
  };
}
