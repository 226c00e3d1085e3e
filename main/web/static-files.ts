// Serves the built renderer (dist/renderer) to the browser harness: a fixed set of file types, no directory
// listings, no path escapes (the CSP sent with them is shared/csp.ts, the same as the Electron shell's).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** Finds dist/renderer next to the running bundle (dist/cli.cjs) or from the repository root. */
export function defaultRendererDir(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string')
    candidates.push(join(__dirname, 'renderer'), join(__dirname, '..', 'dist', 'renderer'));
  const script = process.argv[1];
  if (script) candidates.push(resolve(script, '..', '..', 'dist', 'renderer'));
  candidates.push(resolve('dist', 'renderer'));
  return candidates.find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'app.js')));
}

/** Returns the file for a URL path, or undefined (404). */
export function readStaticFile(rootDir: string, urlPath: string): StaticFile | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  if (path === '/' || path === '') path = '/index.html';
  if (path.includes('\0')) return undefined;
  const root = resolve(rootDir);
  const full = resolve(root, normalize('.' + path));
  if (!full.startsWith(root + sep)) return undefined;
  const dot = full.lastIndexOf('.');
  const contentType = dot >= 0 ? CONTENT_TYPES[full.slice(dot)] : undefined;
  if (!contentType) return undefined;
  try {
    if (!statSync(full).isFile()) return undefined;
    return { body: readFileSync(full), contentType };
  } catch {
    return undefined;
  }
}
