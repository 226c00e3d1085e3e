// The USB picker: a self-contained panel listing the host's devices and the shared images, each with a share
// toggle, its state and its error (with what to do, and "Install udev rule…" where the desktop app can), the
// auto-share switch, "share an ISO/disk image" (a typed path in `saffron web`, the file dialog in the app) and the
// reset button. It only renders 'usb-state' / 'usb-result' and sends the USB requests: whoever hosts it (today's
// toolbar, the redesigned chrome of issue 18) mounts it with mountUsbPicker and opens it. Every text from the
// session goes in through textContent.
import type {
  RequestMap,
  RequestMethod,
  UsbImageKind,
  UsbResultMessage,
  UsbStateMessage,
} from '../../shared/contract';
import { USB_LIMITS } from '../../shared/contract';
import { pickerModel, type UsbPickerModel, type UsbRowModel } from './usb-picker-model';
import { usbText } from './strings';

export interface UsbPickerDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  shell(): 'electron' | 'web';
}

export interface UsbPicker {
  readonly element: HTMLElement;
  update(state: UsbStateMessage): void;
  showResult(result: UsbResultMessage): void;
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  /** The last model shown (hosts read the hotkey and the counts from it). */
  readonly model: UsbPickerModel | undefined;
  /** The last state received. */
  readonly state: UsbStateMessage | undefined;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Builds the picker inside `container` (hidden until opened). */
export function mountUsbPicker(container: HTMLElement, deps: UsbPickerDeps): UsbPicker {
  const root = el('section', 'usb-picker');
  root.setAttribute('role', 'dialog');
  root.setAttribute('aria-label', usbText('usb.title'));
  root.hidden = true;

  const header = el('header');
  const close = el('button', 'usb-close', usbText('usb.close'));
  close.type = 'button';
  header.append(el('h2', undefined, usbText('usb.title')), close);
  const summary = el('p', 'usb-summary');
  const notice = el('p', 'usb-notice');
  notice.hidden = true;
  const autoLabel = el('label', 'usb-auto-share');
  const auto = el('input');
  auto.type = 'checkbox';
  autoLabel.append(auto, ' ', usbText('usb.auto-share'));
  const hostTitle = el('h3');
  const hostList = el('ul', 'usb-list usb-host');
  const imageTitle = el('h3', undefined, usbText('usb.section.images'));
  const imageList = el('ul', 'usb-list usb-images');

  // Adding an image.
  const add = el('form', 'usb-add');
  add.append(el('h4', undefined, usbText('usb.add.title')));
  const pathLabel = el('label', 'usb-path-label');
  const path = el('input', 'usb-path');
  path.type = 'text';
  path.maxLength = USB_LIMITS.maxPathLength;
  path.placeholder = usbText('usb.add.path-placeholder');
  path.autocomplete = 'off';
  path.spellcheck = false;
  const pathText = el('span');
  pathLabel.append(pathText, path);
  const kind = el('select', 'usb-kind');
  for (const [value, id] of [
    ['cd', 'usb.add.kind-cd'],
    ['disk', 'usb.add.kind-disk'],
  ] as const) {
    const option = el('option', undefined, usbText(id));
    option.value = value;
    kind.append(option);
  }
  const writableLabel = el('label', 'usb-writable');
  const writable = el('input');
  writable.type = 'checkbox';
  writableLabel.append(writable, ' ', usbText('usb.add.writable'));
  const share = el('button', 'usb-share', usbText('usb.add.share'));
  share.type = 'submit';
  const pathMode = el('div', 'usb-add-path');
  pathMode.append(pathLabel, kind, writableLabel, share);
  const chooseCd = el('button', 'usb-choose-cd', usbText('usb.add.choose-cd'));
  const chooseDisk = el('button', 'usb-choose-disk', usbText('usb.add.choose-disk'));
  chooseCd.type = chooseDisk.type = 'button';
  const dialogMode = el('div', 'usb-add-dialog');
  dialogMode.append(chooseCd, chooseDisk);
  const noneMode = el('p', 'usb-add-none', usbText('usb.add.none'));
  add.append(pathMode, dialogMode, noneMode);

  const result = el('p', 'usb-result');
  result.setAttribute('role', 'status');
  result.hidden = true;
  const reset = el('button', 'usb-reset');
  reset.type = 'button';

  root.append(
    header,
    summary,
    notice,
    autoLabel,
    hostTitle,
    hostList,
    imageTitle,
    imageList,
    add,
    result,
    reset,
  );
  container.append(root);

  let model: UsbPickerModel | undefined;
  let last: UsbStateMessage | undefined;
  const updateWritable = (): void => {
    writableLabel.hidden = kind.value !== 'disk';
  };
  updateWritable();

  close.addEventListener('click', () => (root.hidden = true));
  auto.addEventListener('change', () => deps.request('usbSetAutoShare', { on: auto.checked }));
  kind.addEventListener('change', updateWritable);
  add.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = path.value.trim();
    if (text === '') {
      showResult({ kind: 'usb-result', level: 'error', message: usbText('usb.add.empty-path') });
      return;
    }
    const imageKind: UsbImageKind = kind.value === 'disk' ? 'disk' : 'cd';
    deps.request('usbShareImage', {
      path: text,
      imageKind,
      writable: imageKind === 'disk' && writable.checked,
    });
  });
  chooseCd.addEventListener('click', () =>
    deps.request('usbChooseImage', { imageKind: 'cd', writable: false }),
  );
  chooseDisk.addEventListener('click', () =>
    deps.request('usbChooseImage', { imageKind: 'disk', writable: writable.checked }),
  );
  reset.addEventListener('click', () => deps.request('usbReset', {}));

  const renderRow = (r: UsbRowModel): HTMLLIElement => {
    const li = el('li', 'usb-row');
    li.dataset.key = r.key;
    li.dataset.state = r.state;
    const label = el('label', 'usb-row-main');
    const toggle = el('input', 'usb-toggle');
    toggle.type = 'checkbox';
    toggle.checked = r.checked;
    toggle.disabled = r.disabled;
    toggle.setAttribute('aria-label', usbText('usb.share-toggle', { label: r.label }));
    toggle.addEventListener('change', () =>
      deps.request(toggle.checked ? 'usbConnect' : 'usbDisconnect', { key: r.key }),
    );
    label.append(toggle, el('span', 'usb-label', r.label), el('span', 'usb-detail', r.detail));
    if (r.autoShare && r.path === undefined) {
      const badge = el('span', 'usb-auto', usbText('usb.auto-share-badge'));
      badge.title = usbText('usb.auto-share-badge-tooltip');
      label.append(badge);
    }
    li.append(label, el('span', 'usb-state', r.stateText));
    if (r.path !== undefined) {
      li.append(el('div', 'usb-path-text', r.path));
      const remove = el('button', 'usb-remove', usbText('usb.image.remove'));
      remove.type = 'button';
      remove.addEventListener('click', () => deps.request('usbRemoveImage', { key: r.key }));
      li.append(remove);
    }
    if (r.reason !== undefined) li.append(el('div', 'usb-reason', r.reason));
    if (r.error) {
      const box = el('div', 'usb-error');
      box.dataset.code = r.error.code;
      box.append(el('strong', undefined, r.error.message));
      if (r.error.hint !== undefined) box.append(el('p', 'usb-hint', r.error.hint));
      if (r.error.fixLabel !== undefined) {
        const fix = el('button', 'usb-fix', r.error.fixLabel);
        fix.type = 'button';
        fix.addEventListener('click', () => deps.request('usbInstallUdevRule', { key: r.key }));
        box.append(fix);
      }
      li.append(box);
    }
    return li;
  };

  const fill = (list: HTMLUListElement, rows: UsbRowModel[], empty: string): void => {
    list.replaceChildren(...(rows.length > 0 ? rows.map(renderRow) : [el('li', 'usb-empty', empty)]));
  };

  function update(state: UsbStateMessage): void {
    last = state;
    model = pickerModel(state, deps.shell());
    root.dataset.availability = state.availability;
    summary.textContent = model.summary;
    notice.hidden = model.notice === undefined;
    notice.textContent = model.notice ?? '';
    auto.checked = model.autoShare;
    hostTitle.textContent = model.hostTitle;
    fill(hostList, model.hostRows, usbText('usb.no-host-devices'));
    fill(imageList, model.imageRows, usbText('usb.no-images'));
    pathMode.hidden = model.add.mode !== 'path';
    dialogMode.hidden = model.add.mode !== 'dialog';
    noneMode.hidden = model.add.mode !== 'none';
    pathText.textContent = model.add.pathLabel;
    reset.textContent = model.resetLabel;
    reset.disabled = !model.canReset;
  }

  function showResult(m: UsbResultMessage): void {
    result.hidden = false;
    result.dataset.level = m.level;
    result.replaceChildren(el('strong', undefined, m.message));
    if (m.hint !== undefined) result.append(el('span', 'usb-hint', ` ${m.hint}`));
    if (m.level === 'info') path.value = '';
  }

  return {
    element: root,
    update,
    showResult,
    open: () => {
      root.hidden = false;
    },
    close: () => {
      root.hidden = true;
    },
    toggle: () => {
      root.hidden = !root.hidden;
    },
    get isOpen() {
      return !root.hidden;
    },
    get model() {
      return model;
    },
    get state() {
      return last;
    },
  };
}
