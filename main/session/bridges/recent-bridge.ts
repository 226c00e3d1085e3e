// The recent-connections bridge: the list every view's connect panel shows, remembered when a connection succeeds
// (never with a password, never a Proxmox proxy ticket, never a UDPack gateway), and forgotten on request.
import { isIPv6 } from 'node:net';
import type { RecentConnection } from '../../../shared/contract';
import type { RequestHandlers } from '../session-bridge';
import type { ConnectionConfig } from '../../spice/connect/config';
import { describeConfig } from '../../spice/connect/config';
import { errorMessage } from '../../spice/errors';
import type { SessionBridge, SessionContext, ViewPort } from '../session-bridge';
import type { RecentStore } from './recent-store';

export interface RecentBridgeOptions {
  store?: RecentStore;
  now?: () => number;
  /** Most recent connections kept. */
  maxEntries?: number;
}

export class RecentBridge implements SessionBridge {
  readonly name = 'recent';
  private readonly now: () => number;

  constructor(
    private readonly ctx: SessionContext,
    private readonly options: RecentBridgeOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  readonly handlers: Pick<RequestHandlers, 'forgetRecent'> = {
    forgetRecent: (r) => {
      this.save(this.entries().filter((e) => e.id !== r.id));
      this.ctx.broadcast({ kind: 'recent', entries: this.entries() });
    },
  };

  viewAttached(view: ViewPort): void {
    view.send({ kind: 'recent', entries: this.entries() });
  }

  sessionConnected(config: ConnectionConfig): void {
    if (!this.options.store || config.unixPath !== undefined) return;
    // A UDPack connection needs the gateway's key and a token, which an entry (host, port, tls) cannot carry:
    // stored, it would come back as plain TCP to a UDP port. Such connections are reopened from their .vv/URI.
    if (config.udpack) return;
    const tls = config.port === undefined && config.tlsPort !== undefined;
    const port = tls ? config.tlsPort : config.port;
    if (port === undefined || config.host === '') return;
    // An opaque host with ':' that is not an IPv6 address is a proxy ticket (Proxmox `pvespiceproxy:…`): a
    // signed credential that expires in seconds and cannot be connected to directly — never stored.
    if (config.host.includes(':') && !isIPv6(config.host.replace(/%.*$/, ''))) return;
    const id = `${tls ? 'spice+tls' : 'spice'}://${config.host}:${port}`;
    const entry: RecentConnection = {
      id,
      label: config.title ? `${config.title} — ${describeConfig(config)}` : describeConfig(config),
      host: config.host,
      port,
      tls,
      lastUsedMs: this.now(),
    };
    const entries = [entry, ...this.entries().filter((e) => e.id !== id)].slice(
      0,
      this.options.maxEntries ?? 10,
    );
    this.save(entries);
    this.ctx.broadcast({ kind: 'recent', entries });
  }

  private entries(): RecentConnection[] {
    try {
      return this.options.store?.load() ?? [];
    } catch (e) {
      this.ctx.logger.warn(`could not read recent connections: ${errorMessage(e)}`);
      return [];
    }
  }

  private save(entries: RecentConnection[]): void {
    try {
      this.options.store?.save(entries);
    } catch (e) {
      this.ctx.logger.warn(`could not save recent connections: ${errorMessage(e)}`);
    }
  }
}
