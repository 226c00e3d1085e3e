// Certificate subject matching for `host-subject` (REFERENCES G36; spice-common ssl_verify.c): the expected
// subject is a comma-separated `KEY=VALUE` list where `\` escapes `,` and `\`; it replaces the host-name
// check. We compare the attribute multiset (same count, same key/value pairs), with X509_NAME_cmp's
// canonical value form (trimmed, internal whitespace collapsed, case-insensitive). Unlike OpenSSL's
// comparison the order of the attributes does not matter.
import { SpiceError } from '../errors';

export interface SubjectAttribute {
  key: string;
  value: string;
}

const LONG_NAMES: Record<string, string> = {
  commonname: 'CN',
  countryname: 'C',
  localityname: 'L',
  stateorprovincename: 'ST',
  organizationname: 'O',
  organizationalunitname: 'OU',
  emailaddress: 'EMAILADDRESS',
  email: 'EMAILADDRESS',
  serialnumber: 'SERIALNUMBER',
  domaincomponent: 'DC',
  userid: 'UID',
  streetaddress: 'STREET',
  title: 'TITLE',
  givenname: 'GN',
  surname: 'SN',
};

/** Canonical attribute key: OpenSSL short name, upper-cased ("commonName" → "CN", "emailAddress" → "EMAILADDRESS"). */
export function canonicalKey(key: string): string {
  const k = key.trim();
  return LONG_NAMES[k.toLowerCase()] ?? k.toUpperCase();
}

/** X509_NAME canonical form: ASCII whitespace trimmed and collapsed, ASCII letters lower-cased — nothing
 * else (JavaScript's Unicode-aware trim/\s/toLowerCase would let e.g. KELVIN SIGN U+212A match 'k'). */
function canonicalValue(value: string): string {
  return value
    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
    .replace(/[ \t\n\v\f\r]+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Parses a host-subject string ("C=IL,O=Red Hat,CN=my server"). Throws SpiceError('config') on bad syntax. */
export function parseHostSubject(subject: string): SubjectAttribute[] {
  const bad = (problem: string): SpiceError =>
    new SpiceError(
      'config',
      `invalid host-subject '${subject}': ${problem} — expected e.g. C=US,O=Example,CN=server`,
    );
  const out: SubjectAttribute[] = [];
  let key = '';
  let value = '';
  let inValue = false;
  for (let i = 0; i <= subject.length; i++) {
    let ch = subject[i];
    let escaped = false;
    if (ch === '\\') {
      i++;
      ch = subject[i];
      if (ch !== '\\' && ch !== ',') throw bad("'\\' may only escape ',' or '\\'");
      escaped = true;
    }
    if (!inValue) {
      if (ch === ' ' && key === '' && !escaped) continue;
      if (ch === undefined) {
        if (key === '') break;
        throw bad(`'${key}' has no '=VALUE'`);
      }
      if (ch === ',' && !escaped) throw bad(`'${key}' has no '=VALUE'`);
      if (ch === '=') {
        if (key.trim() === '') throw bad('an attribute has no name before =');
        inValue = true;
        continue;
      }
      key += ch;
    } else {
      if (ch === undefined || (ch === ',' && !escaped)) {
        if (value === '') throw bad(`'${key}' has an empty value`);
        out.push({ key: key.trim(), value });
        if (ch === undefined) break;
        key = '';
        value = '';
        inValue = false;
        continue;
      }
      value += ch;
    }
  }
  if (out.length === 0) throw bad('it is empty');
  return out;
}

/**
 * Parses Node's X509Certificate.subject (one `KEY=value` per line, RFC 2253 escapes, multi-valued RDNs
 * joined with " + ").
 */
export function parseCertificateSubject(subject: string): SubjectAttribute[] {
  const out: SubjectAttribute[] = [];
  for (const line of subject.split('\n')) {
    if (line === '') continue;
    for (const part of splitUnescaped(line, ' + ')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      out.push({ key: part.slice(0, eq), value: unescape2253(part.slice(eq + 1)) });
    }
  }
  return out;
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      i += separator.length - 1;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unescape2253(value: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length) {
      const hex = value.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...encoder.encode(value[i + 1]));
        i += 1;
      }
    } else bytes.push(...encoder.encode(ch));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** "C=US,O=Example,CN=server" with `,` and `\` escaped, for messages. */
export function formatSubject(attributes: SubjectAttribute[]): string {
  return attributes.map((a) => `${a.key}=${a.value.replace(/[\\,]/g, (c) => `\\${c}`)}`).join(',');
}

/** True when both subjects hold the same attributes (order-insensitive, canonical values). */
export function subjectsMatch(certificate: SubjectAttribute[], expected: SubjectAttribute[]): boolean {
  if (certificate.length !== expected.length) return false;
  const canon = (list: SubjectAttribute[]): string[] =>
    list.map((a) => `${canonicalKey(a.key)}=${canonicalValue(a.value)}`).sort();
  const a = canon(certificate);
  const b = canon(expected);
  return a.every((x, i) => x === b[i]);
}
