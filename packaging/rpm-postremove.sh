#!/bin/sh
# Tauri's .rpm lists Lagom's files but not the folders they are in: after the last version is
# removed ($1 = 0), the third-party notice's own folder goes too. The user's data is elsewhere
# (~/.local/share/lagom) and is never touched.
if [ "$1" = 0 ]; then
  rmdir /usr/share/licenses/lagom 2>/dev/null || :
fi
