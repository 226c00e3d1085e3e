// Renderer entry: picks the bridge (the desktop app's MessagePort on its own saffron-app: origin, or a WebSocket
// back to `saffron web`) and starts the app.
import { App } from './app';
import type { Bridge } from './bridge/bridge';
import { createPortBridge } from './bridge/port-bridge';
import { createWebSocketBridge } from './bridge/websocket-bridge';

function pickBridge(): Bridge {
  if (location.protocol === 'saffron-app:') return createPortBridge(window);
  const params = new URLSearchParams(location.search);
  const monitor = Number(params.get('monitor') ?? '0');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const safeMonitor = Number.isInteger(monitor) && monitor >= 0 && monitor < 64 ? monitor : 0;
  // `saffron web` prints the page address with its access token in the fragment (#token=…).
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  if (token === '') return tokenMissingBridge();
  return createWebSocketBridge(
    `${scheme}//${location.host}/ws?monitor=${safeMonitor}&token=${encodeURIComponent(token)}`,
  );
}

/** Without its token the server refuses the page: say what to open instead of a bare "closed (code 1006)". */
function tokenMissingBridge(): Bridge {
  const reason =
    'This page must be opened at the exact address `saffron web` printed, including its #token=… part ' +
    '(the token is new each time saffron web starts). Copy the whole "listening http://…#token=…" line.';
  return {
    request: () => {},
    onMessage: () => () => {},
    onLinkLost: (listener) => {
      queueMicrotask(() => listener(reason));
      return () => {};
    },
  };
}

new App(pickBridge()).start();
