// The one Content-Security-Policy of the renderer page, sent as a response header by both shells (the Electron
// app's saffron-app:// protocol handler and the `saffron web` HTTP server). index.html carries no <meta> copy,
// so the two shells cannot drift apart.
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
