// A small GKeyFile (.ini as GLib reads it) parser for .vv connection files: groups `[name]`, `key=value`,
// `#` comments, blank lines, CRLF or LF, key names trimmed on the right, values trimmed on the left only,
// localized keys `key[xx]` skipped, later duplicates win. Escapes are decoded on access (string/list/int),
// as GLib does: \s \n \t \r \\ (and \; inside lists). Errors are SpiceError('config') naming the line.
import { SpiceError } from '../errors';

export interface KeyFileEntry {
  /** Raw value as written (escapes not yet decoded). */
  raw: string;
  line: number;
}

export class KeyFile {
  /** Group name → key → entry. Insertion order kept. */
  readonly groups = new Map<string, Map<string, KeyFileEntry>>();

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  has(group: string, key: string): boolean {
    return this.groups.get(group)?.has(key) ?? false;
  }

  keys(group: string): string[] {
    return [...(this.groups.get(group)?.keys() ?? [])];
  }

  entry(group: string, key: string): KeyFileEntry | undefined {
    return this.groups.get(group)?.get(key);
  }

  /** Unescaped string value, or undefined if absent. */
  getString(group: string, key: string): string | undefined {
    const e = this.entry(group, key);
    return e === undefined ? undefined : unescapeValue(e.raw, key, e.line);
  }

  /** `;`-separated list (a trailing `;` is optional, `\;` is a literal ';'), or undefined if absent. */
  getList(group: string, key: string): string[] | undefined {
    const e = this.entry(group, key);
    return e === undefined ? undefined : splitList(e.raw, key, e.line);
  }

  /** Integer value (decimal, optional sign), or undefined if absent. Booleans in .vv files are 0/1 integers. */
  getInteger(group: string, key: string): number | undefined {
    const e = this.entry(group, key);
    if (e === undefined) return undefined;
    const text = e.raw.trim();
    if (
      !/^[+-]?\d{1,10}$/.test(text) ||
      !Number.isSafeInteger(Number(text)) ||
      Math.abs(Number(text)) > 2 ** 31 - 1
    )
      throw keyFileError(e.line, `the value of '${key}' ('${truncate(text)}') is not a number`);
    return Number(text);
  }

  /** 0/1 integer as a boolean (any non-zero integer is true, like remote-viewer). */
  getBoolean(group: string, key: string): boolean | undefined {
    const e = this.entry(group, key);
    if (e === undefined) return undefined;
    const text = e.raw.trim().toLowerCase();
    // GLib would reject true/false for an integer key; accept them as a courtesy.
    if (text === 'true') return true;
    if (text === 'false') return false;
    const n = this.getInteger(group, key);
    return n !== undefined && n !== 0;
  }
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function keyFileError(line: number, problem: string): SpiceError {
  return new SpiceError('config', `invalid connection file: line ${line}: ${problem}`);
}

function decodeEscape(ch: string | undefined, key: string, line: number): string {
  switch (ch) {
    case 's':
      return ' ';
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '\\':
      return '\\';
    case undefined:
      throw keyFileError(line, `the value of '${key}' ends with a lone '\\'`);
    default:
      throw keyFileError(line, `the value of '${key}' contains the invalid escape '\\${ch}'`);
  }
}

export function unescapeValue(raw: string, key = 'value', line = 0): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    i++;
    out += decodeEscape(raw[i], key, line);
  }
  return out;
}

export function splitList(raw: string, key = 'value', line = 0): string[] {
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '\\') {
      i++;
      if (raw[i] === ';') current += ';';
      else current += decodeEscape(raw[i], key, line);
    } else if (ch === ';') {
      items.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') items.push(current);
  return items;
}

const MAX_LINES = 100_000;

export function parseKeyFile(text: string): KeyFile {
  const file = new KeyFile();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM
  if (text.includes('\0'))
    throw new SpiceError('config', 'invalid connection file: it contains NUL bytes (not a text file)');
  const lines = text.split('\n');
  if (lines.length > MAX_LINES)
    throw new SpiceError('config', `invalid connection file: more than ${MAX_LINES} lines`);
  let current: Map<string, KeyFileEntry> | undefined;
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let line = lines[n] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.replace(/^[ \t\f\v\r]+/, '');
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('[')) {
      const close = trimmed.lastIndexOf(']');
      if (close < 0 || trimmed.slice(close + 1).trim() !== '')
        throw keyFileError(lineNo, `'${truncate(trimmed)}' is not a valid group header`);
      const name = trimmed.slice(1, close);
      if (name === '' || /[[\]\x00-\x1f]/.test(name))
        throw keyFileError(lineNo, `invalid group name '${truncate(name)}'`);
      current = file.groups.get(name);
      if (!current) {
        current = new Map();
        file.groups.set(name, current);
      }
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq < 0)
      throw keyFileError(lineNo, `'${truncate(trimmed)}' is not a key=value pair, a [group] or a # comment`);
    if (!current) throw keyFileError(lineNo, 'the file does not start with a [group]');
    const key = trimmed.slice(0, eq).replace(/[ \t\f\v\r]+$/, '');
    if (key === '' || /[=\x00-\x1f]/.test(key))
      throw keyFileError(lineNo, `invalid key name '${truncate(key)}'`);
    const raw = trimmed.slice(eq + 1).replace(/^[ \t\f\v\r]+/, '');
    if (/\[[^\]]*\]$/.test(key)) continue; // localized key: not used by .vv files
    current.delete(key); // later duplicates win and move to the end
    current.set(key, { raw, line: lineNo });
  }
  return file;
}
