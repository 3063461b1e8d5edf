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

bash "$(dirname "$0")/../../n8n-harness/apt-install.sh" "queue e2e services" "about 1 minute" "${missing[@]}"
have_redis && have_pg || { echo "queue e2e services: install did not provide redis-server/initdb" >&2; exit 1; }
