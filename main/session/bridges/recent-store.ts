// Where recent connections are kept: a small JSON file in the app's user-data directory (the desktop app; the
// session process is given its path), or memory (`saffron web`). Never holds passwords: entries are
// RecentConnection (host, port, TLS, label) only, validated on read so a damaged file is ignored.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RecentConnection } from '../../../shared/contract';

export interface RecentStore {
  load(): RecentConnection[];
  save(entries: RecentConnection[]): void;
}

/** Keeps recent connections in memory only (the web harness). */
export function memoryRecentStore(): RecentStore {
  let entries: RecentConnection[] = [];
  return { load: () => entries, save: (e) => (entries = e) };
}

const MAX_ENTRIES = 20;

function isEntry(v: unknown): v is RecentConnection {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.label === 'string' &&
    typeof e.host === 'string' &&
    e.host.length <= 255 &&
    typeof e.port === 'number' &&
    Number.isInteger(e.port) &&
    e.port >= 1 &&
    e.port <= 65535 &&
    typeof e.tls === 'boolean' &&
    typeof e.lastUsedMs === 'number'
  );
}

export function fileRecentStore(path: string): RecentStore {
  return {
    load() {
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        return [];
      }
      if (!Array.isArray(data)) return [];
      return data
        .filter(isEntry)
        .slice(0, MAX_ENTRIES)
        .map((e) => ({
          id: e.id,
          label: e.label,
          host: e.host,
          port: e.port,
          tls: e.tls,
          lastUsedMs: e.lastUsedMs,
        }));
    },
    save(entries) {
      mkdirSync(dirname(path), { recursive: true });
      const clean = entries.slice(0, MAX_ENTRIES).map((e) => ({
        id: e.id,
        label: e.label,
        host: e.host,
        port: e.port,
        tls: e.tls,
        lastUsedMs: e.lastUsedMs,
      }));
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, JSON.stringify(clean, null, 2), { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}
