// What main does with files the preload reports as dropped on a window (shared/desktop-drop.ts): only from the app's
// own pages, only a well-formed payload of absolute paths; `guest` paths go to the session process as `dropped` for
// the window's monitor (it reads them from disk, folders expanded), an `open` drop must be exactly one .vv file and is
// opened from disk like a command-line .vv (so delete-this-file=1 is honoured). Pure, so it is tested without Electron.
import { isAbsolute } from 'node:path';
import { isDropPayload } from '../../shared/desktop-drop';
import type { AgentHostMessage } from './agent-host-protocol';
import { isAppUrl } from './app-origin';

export type DropAction =
  | { kind: 'guest'; message: Extract<AgentHostMessage, { t: 'dropped' }> }
  | { kind: 'open'; vvPath: string }
  | { kind: 'refused'; reason: string };

/** `senderUrl`: the URL of the frame that sent the payload; `monitor`: its window's guest monitor. */
export function routeDroppedFiles(
  payload: unknown,
  senderUrl: string | undefined,
  monitor: number,
): DropAction {
  if (!isAppUrl(senderUrl)) return { kind: 'refused', reason: 'a drop from a page that is not the app' };
  if (!isDropPayload(payload)) return { kind: 'refused', reason: 'a malformed drop' };
  if (!payload.paths.every((p) => isAbsolute(p)))
    return { kind: 'refused', reason: 'a drop with a relative path' };
  if (payload.purpose === 'guest')
    return { kind: 'guest', message: { t: 'dropped', monitor, paths: payload.paths } };
  const [path] = payload.paths;
  if (payload.paths.length !== 1 || path === undefined || !/\.vv$/i.test(path))
    return { kind: 'refused', reason: 'only one .vv file can be opened at a time' };
  return { kind: 'open', vvPath: path };
}
