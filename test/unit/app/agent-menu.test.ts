// The desktop app's Guest menu: check marks from the session's agent settings, clicks that flip exactly one
// setting or display, display 1 never switchable off, and its place before Help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { agentMenu, withAgentMenu } from '../../../main/app/agent-menu';

void test('Guest menu: toggles, displays and Send Files follow the state and act', () => {
  const calls: unknown[] = [];
  const menu = agentMenu(
    {
      settings: { autoResize: true, clipboardToGuest: false, clipboardToHost: true },
      displays: [true, false],
      connected: true,
    },
    {
      setting: (c) => calls.push(c),
      display: (d, on) => calls.push([d, on]),
      sendFiles: () => calls.push('files'),
    },
  );
  const items = menu.submenu as MenuItemConstructorOptions[];
  const byLabel = (label: string) => items.find((i) => i.label === label)!;
  assert.equal(byLabel('Share Clipboard with Guest').checked, false);
  assert.equal(byLabel('Resize Guest to Window').checked, true);
  assert.equal(byLabel('Display 1').enabled, false);
  assert.equal(byLabel('Display 2').checked, false);
  const click = (label: string) => (byLabel(label).click as () => void)();
  click('Share Clipboard with Guest');
  click('Resize Guest to Window');
  click('Display 2');
  click('Send Files to Guest…');
  assert.deepEqual(calls, [{ clipboardToGuest: true }, { autoResize: false }, [1, true], 'files']);
  const placed = withAgentMenu([{ label: 'File' }, { label: 'Help', role: 'help' }], menu);
  assert.deepEqual(
    placed.map((i) => i.label),
    ['File', 'Guest', 'Help'],
  );
});
