// The desktop app's own origin (saffron-app://app, served by main/app/app-protocol.ts): windows may load it and
// nothing else, and only it may be granted permissions. Pure, so it is unit-tested without Electron.
export const APP_ORIGIN = 'saffron-app://app';

export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}
