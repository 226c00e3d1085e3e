// The file transfer panel: one row per file (name, a progress bar, its state or the guest's reason for a failure, a
// cancel button while it runs), the totals, and Cancel all. A small self-contained component: it listens to
// transfer-progress and renders into its own element, which the window chrome places where it likes.
import type { PortMessage, RequestMap, RequestMethod, TransferItem } from '../../shared/contract';
import { formatBytes, transferText, type TransferStringId } from './strings';

export interface TransferPanelDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  onMessage(listener: (message: PortMessage) => void): () => void;
}

/** Rows kept on screen (older finished ones are dropped first). */
const MAX_ROWS = 200;

const isFinal = (s: TransferItem['state']): boolean => s === 'done' || s === 'failed' || s === 'cancelled';

export class TransferPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly total: HTMLElement;
  private readonly cancelAll: HTMLButtonElement;
  private readonly rows = new Map<number, { row: HTMLLIElement; item: TransferItem }>();

  constructor(private readonly deps: TransferPanelDeps) {
    this.element = document.createElement('section');
    this.element.className = 'transfer-panel';
    this.element.hidden = true;
    this.element.setAttribute('aria-label', transferText('transfer.panel-title'));
    const head = document.createElement('header');
    const title = document.createElement('strong');
    title.textContent = transferText('transfer.panel-title');
    this.cancelAll = button(transferText('transfer.cancel-all'), () => deps.request('transferCancel', {}));
    this.cancelAll.dataset.action = 'transfer-cancel-all';
    const close = button(transferText('transfer.close'), () => (this.element.hidden = true));
    close.dataset.action = 'transfer-close';
    head.append(title, this.cancelAll, close);
    this.total = document.createElement('div');
    this.total.className = 'transfer-total';
    this.total.setAttribute('role', 'status');
    this.list = document.createElement('ul');
    this.element.append(head, this.total, this.list);
    deps.onMessage((m) => {
      if (m.kind === 'transfer-progress') this.update(m);
    });
  }

  private update(m: Extract<PortMessage, { kind: 'transfer-progress' }>): void {
    this.element.hidden = false;
    for (const item of m.items) {
      let entry = this.rows.get(item.id);
      if (!entry) {
        entry = { row: document.createElement('li'), item };
        this.rows.set(item.id, entry);
        this.list.append(entry.row);
      }
      entry.item = item;
      this.render(entry.row, item);
    }
    for (const [id, { row, item }] of this.rows) {
      if (this.rows.size <= MAX_ROWS) break;
      if (isFinal(item.state)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    const t = m.totals;
    this.total.textContent = transferText('transfer.total', {
      finished: String(t.finished),
      files: String(t.files),
      sent: formatBytes(t.sentBytes),
      total: formatBytes(t.totalBytes),
    });
    this.total.dataset.finished = String(t.finished);
    this.total.dataset.failed = String(t.failed);
    this.total.dataset.files = String(t.files);
    this.cancelAll.hidden = t.finished === t.files;
  }

  private render(row: HTMLLIElement, item: TransferItem): void {
    row.replaceChildren();
    row.dataset.transferId = String(item.id);
    row.dataset.state = item.state;
    const name = document.createElement('span');
    name.className = 'transfer-name';
    name.textContent = item.name;
    const bar = document.createElement('progress');
    bar.max = Math.max(1, item.sizeBytes);
    bar.value = item.state === 'done' ? bar.max : item.sentBytes;
    const state = document.createElement('span');
    state.className = 'transfer-state';
    state.textContent = transferText(`transfer.state.${item.state}` as TransferStringId, {
      reason: item.error ?? '',
    });
    row.append(name, bar, state);
    if (!isFinal(item.state)) {
      const cancel = button(transferText('transfer.cancel'), () =>
        this.deps.request('transferCancel', { id: item.id }),
      );
      cancel.dataset.action = 'transfer-cancel';
      row.append(cancel);
    }
  }
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}
