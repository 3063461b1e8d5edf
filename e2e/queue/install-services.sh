#!/usr/bin/env bash
# Installs what the queue-mode e2e needs from Debian: redis-server and PostgreSQL (15 on bookworm).
# Idempotent and fast when both are already there: it only calls apt-get when a binary is missing.
# The services are NOT started here (policy-rc.d blocks that anyway); e2e/queue/services.js runs private
# instances on 127.0.0.1 with free ports.
set -euo pipefail

have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1; }

missing=()
have_redis || missing+=(redis-server)
have_pg || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)

if [ ${#missing[@]} -eq 0 ]; then
	echo "queue e2e services: redis-server $(redis-server --version | sed -E 's/.* v=([^ ]+).*/\1/'), postgres $(ls /usr/lib/postgresql | sort -V | tail -1) already installed"
	exit 0
fi

# Not root: sudo only if it works without a password (-n), so that a run without a terminal fails at once, not at a
# password prompt nobody answers.
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
		echo "queue e2e services: missing ${missing[*]}, and this is not root (nor sudo without a password)." >&2
		echo "queue e2e services: install them once with: sudo apt-get install ${missing[*]}   then run npm test again." >&2
		exit 1
	fi
fi
echo "queue e2e services: installing ${missing[*]} from Debian with apt-get${SUDO:+ (sudo)}${SUDO:- as root}, once (about 1 minute) …"
start=$(date +%s)
# Only refresh the package lists when apt does not know the packages yet.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq; fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
	|| { $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
have_redis && have_pg || { echo "queue e2e services: install did not provide redis-server/initdb" >&2; exit 1; }
echo "queue e2e services: installed in $(( $(date +%s) - start )) s"
