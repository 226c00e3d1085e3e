// Validation of the connect form's fields, as message ids (the page translates them): a host name, IPv4 or IPv6
// address; a port from 1 to 65535. Pure, so the rules are tested under Node and in the page alike.
import type { MessageKey } from '../../shared/i18n';
import { LIMITS } from '../../shared/contract';

export interface FieldCheck<T> {
  value?: T;
  error?: { key: MessageKey; params?: Record<string, string> };
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/i;

export function validateHost(raw: string, final: boolean): FieldCheck<string> {
  const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
  if (host === '') return final ? { error: { key: 'validate.host-required' } } : {};
  const ok =
    host.length <= Math.min(253, LIMITS.maxHostLength) &&
    (host.includes(':')
      ? /^[0-9a-f:.]+(%[a-z0-9_.-]+)?$/i.test(host)
      : host.split('.').every((l) => HOST_LABEL.test(l)));
  return ok
    ? { value: host }
    : { error: { key: 'validate.host-invalid', params: { host: raw.trim().slice(0, 80) } } };
}

export function validatePort(raw: string, final: boolean): FieldCheck<number> {
  const text = raw.trim();
  if (text === '') return final ? { error: { key: 'validate.port-range' } } : {};
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  return port >= 1 && port <= 65535 ? { value: port } : { error: { key: 'validate.port-range' } };
}
