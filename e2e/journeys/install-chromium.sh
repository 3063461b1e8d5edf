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

# Not root: sudo only if it works without a password (-n), so that a run without a terminal fails at once.
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
		echo "journeys: missing ${missing[*]}, and this is not root (nor sudo without a password)." >&2
		echo "journeys: install them once with: sudo apt-get install --no-install-recommends ${missing[*]}   then run npm test again." >&2
		exit 1
	fi
fi
echo "journeys: installing ${missing[*]} from Debian with apt-get${SUDO:+ (sudo)}${SUDO:- as root} (about 120 MB, once) …"
start=$(date +%s)
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq; fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
	|| { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
have_chromium || { echo "journeys: apt-get did not provide $CHROMIUM" >&2; exit 1; }
echo "journeys: installed in $(( $(date +%s) - start )) s"
