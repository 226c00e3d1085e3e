// Files dropped on the guest display go to the guest: while a session is connected, a drop on the display element is
// taken here (and not by the connect panel's .vv drop), its files (folders expanded) are sent with PageFiles — or, in
// the desktop app, by path through the preload (desktop-drop.ts).
import type { DesktopDrop } from './desktop-drop';
import type { PageFiles } from './page-files';
import { transferText } from './strings';

export interface DropTargetDeps {
  files: PageFiles;
  /** True while a session is connected and the guest accepts files. */
  accepting(): boolean;
  notice(level: 'info' | 'warning' | 'error', message: string): void;
  /** Why files cannot be sent now (no agent, transfers disabled), or undefined when they can. */
  refusal(): string | undefined;
  /** In the desktop app: dropped files go to main by path (read from disk by the session process). */
  desktop?: DesktopDrop;
}

export function attachDropTarget(element: HTMLElement, deps: DropTargetDeps): void {
  element.addEventListener('dragover', (e) => {
    if (!deps.accepting() || !e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
    element.classList.add('transfer-drop');
    element.title = transferText('transfer.drop-hint');
  });
  element.addEventListener('dragleave', () => element.classList.remove('transfer-drop'));
  element.addEventListener('drop', (e) => {
    element.classList.remove('transfer-drop');
    if (!deps.accepting() || !e.dataTransfer) return;
    e.preventDefault();
    e.stopPropagation();
    const refusal = deps.refusal();
    if (refusal) {
      deps.notice('warning', refusal);
      return;
    }
    if (deps.desktop && deps.desktop.dropFiles([...e.dataTransfer.files], 'guest') > 0) return;
    void deps.files.filesOf(e.dataTransfer).then((files) => {
      if (files.length > 0) deps.files.send(files);
    });
  });
}
