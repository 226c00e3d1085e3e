#!/bin/sh
# deb/rpm post-install: register the .vv MIME type and refresh the desktop database (best effort).
set -e
if command -v xdg-mime >/dev/null 2>&1; then
  xdg-mime install --mode system --novendor /opt/Saffron/resources/x-virt-viewer.xml || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
