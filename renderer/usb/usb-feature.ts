// The renderer's USB feature as one mount: the picker, the usb-device-reset hotkey and the focus reports
// (auto-share acts only while a view of the session has focus). The host page calls mountUsb once (before its
// keyboard input attaches, so the hotkey is seen first), hands it the USB messages, and opens the picker from
// its toolbar button or the app's menu command.
import type { PortMessage, RequestMap, RequestMethod } from '../../shared/contract';
import { DEFAULT_USB_RESET_HOTKEY } from '../../shared/spice-hotkey';
import { attachUsbResetHotkey } from './usb-hotkey';
import { mountUsbPicker, type UsbPicker } from './usb-picker';
import { usbText } from './strings';

export interface UsbMountDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  shell(): 'electron' | 'web';
  /** The hotkey applies (a session view is showing). */
  isActive(): boolean;
  /** A button that opens and closes the picker (today's toolbar), if any. */
  opener?: HTMLButtonElement | null;
}

export interface UsbMount {
  readonly picker: UsbPicker;
  /** Takes the USB messages; false for any other message. */
  receive(message: PortMessage): boolean;
  dispose(): void;
}

export function mountUsb(container: HTMLElement, deps: UsbMountDeps): UsbMount {
  const picker = mountUsbPicker(container, deps);
  const stopHotkey = attachUsbResetHotkey(window, {
    hotkey: () => picker.state?.resetHotkey ?? DEFAULT_USB_RESET_HOTKEY,
    isActive: () => deps.isActive(),
    reset: () => deps.request('usbReset', {}),
  });
  const focus = (focused: boolean) => () => deps.request('usbViewFocus', { focused });
  const onFocus = focus(true);
  const onBlur = focus(false);
  window.addEventListener('focus', onFocus);
  window.addEventListener('blur', onBlur);
  if (document.hasFocus()) onFocus();
  const opener = deps.opener;
  const onOpener = (): void => picker.toggle();
  if (opener) {
    opener.textContent = usbText('usb.toolbar-button');
    opener.addEventListener('click', onOpener);
  }
  return {
    picker,
    receive(message) {
      if (message.kind === 'usb-state') {
        picker.update(message);
        if (opener) opener.title = usbText('usb.toolbar-tooltip', { hotkey: picker.model?.hotkey ?? '' });
        return true;
      }
      if (message.kind === 'usb-result') {
        picker.showResult(message);
        if (message.level === 'error') picker.open();
        return true;
      }
      return false;
    },
    dispose() {
      stopHotkey();
      window.removeEventListener('focus', onFocus);
      window.removeEventListener('blur', onBlur);
      opener?.removeEventListener('click', onOpener);
      picker.element.remove();
    },
  };
}
