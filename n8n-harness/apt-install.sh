#!/usr/bin/env bash
# n8n-harness/apt-install.sh LABEL SIZE PACKAGE...: installs Debian packages a suite needs and says so first, as root,
# or with sudo only when it works without a password (-n), so that a run without a terminal fails at once with the
# command to run by hand rather than waiting at a password prompt nobody answers. The package lists are refreshed
# only when apt does not know the packages yet. The suites' install scripts decide what is missing and check the
# result; this is the one place that runs apt-get.
set -euo pipefail
label=$1 size=$2
shift 2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
		echo "$label: missing $*, and this is not root (nor sudo without a password)." >&2
		echo "$label: install them once with: sudo apt-get install --no-install-recommends $*   then run npm test again." >&2
		exit 1
	fi
fi
echo "$label: installing $* from Debian with apt-get${SUDO:+ (sudo)}${SUDO:- as root} ($size, once) …"
start=$(date +%s)
apt() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }
if ! apt-cache show "$@" >/dev/null 2>&1; then apt update -qq; fi
apt install -y -qq --no-install-recommends "$@" >/dev/null || { apt update -qq && apt install -y -qq --no-install-recommends "$@" >/dev/null; }
echo "$label: installed in $(( $(date +%s) - start )) s"
