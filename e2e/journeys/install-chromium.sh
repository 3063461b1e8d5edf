#!/usr/bin/env bash
# Installs what the browser journeys need from Debian: chromium (and fonts-liberation, so text has real metrics in
# screenshots). Idempotent and quick when both are there: it calls apt-get only when something is missing, and says
# so before it does. playwright-core (a devDependency) drives it; Playwright's own browser download is not used.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
have_chromium() { [ -x "$CHROMIUM" ]; }
have_fonts() { [ -d /usr/share/fonts/truetype/liberation ]; }

missing=()
have_chromium || missing+=(chromium)
have_fonts || missing+=(fonts-liberation)

if [ ${#missing[@]} -eq 0 ]; then
	echo "journeys: chromium already installed ($CHROMIUM)"
	exit 0
fi

bash "$(dirname "$0")/../../n8n-harness/apt-install.sh" "journeys" "about 120 MB" "${missing[@]}"
have_chromium || { echo "journeys: apt-get did not provide $CHROMIUM" >&2; exit 1; }
