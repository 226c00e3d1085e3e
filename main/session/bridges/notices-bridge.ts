// The notices bridge: what the server or the core wants the user to read, shown in every view — server NOTIFY
// messages, a secondary channel that failed, and anything the server uses that this version cannot show (said once
// per kind by the core, never dropped silently).
import type { NoticeMessage } from '../../../shared/contract';
import { LIMITS } from '../../../shared/contract';
import type { SessionBridge, SessionContext, Subscribe } from '../session-bridge';

export class NoticesBridge implements SessionBridge {
  readonly name = 'notices';

  constructor(private readonly ctx: SessionContext) {}

  sessionStarted(_session: unknown, on: Subscribe): void {
    on('notify', (n) => {
      if (n.message)
        this.notice(n.severity >= 2 ? 'error' : n.severity === 1 ? 'warning' : 'info', n.message);
    });
    on('channel-error', (c) => this.notice('warning', c.error.message));
    on('unsupported', (u) => this.notice('info', `Not supported by this version of Saffron: ${u.what}`));
  }

  private notice(level: NoticeMessage['level'], message: string): void {
    this.ctx.broadcast({ kind: 'notice', level, message: message.slice(0, LIMITS.maxMessageLength) });
  }
}
