#!/usr/bin/env bash
# Installs what the registry tests in test/registry/ need, from Debian's packages: the CNCF
# distribution registry (`docker-registry`, 2.8), `skopeo` (reads the images the harness pushes)
# and `htpasswd` (apache2-utils: bcrypt password files for Basic auth). `openssl` is needed too
# (the token server's key and certificate).
#
#   bash scripts/install-registry.sh                 # installs what is missing, then prints the path
#   REGISTRY="$(bash scripts/install-registry.sh)"
#
# Idempotent: packages are installed only when missing (as root, or through sudo). Everything is
# logged to stderr; stdout carries exactly one line, the last: the absolute path of the registry
# binary.
#
# Debian's docker-registry package ships a service (/etc/init.d/docker-registry and a systemd
# unit) that would listen on :5000 with /etc/docker/registry/config.yml. The tests never use it:
# the package is installed with services kept from starting (a temporary policy-rc.d where the
# machine has none), and on every run a system registry that is running anyway (started by
# systemd or its init script, e.g. on a machine where the package was installed before) is
# stopped and disabled.
set -euo pipefail

LOG_NAME=install-registry
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"


missing=()
is_installed docker-registry || missing+=(docker-registry)
command -v skopeo > /dev/null || missing+=(skopeo)
command -v htpasswd > /dev/null || missing+=(apache2-utils)
command -v openssl > /dev/null || missing+=(openssl)

if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # invoke-rc.d and deb-systemd-invoke ask /usr/sbin/policy-rc.d whether a package's service may
  # start; 101 means "no". Put one in place for this install only, where there is none.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Written by shipshape scripts/install-registry.sh for one apt-get install.\nexit 101\n' \
      | "${SUDO[@]}" tee "$policy" > /dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    made_policy=1
    trap '[ "$made_policy" = 1 ] && "${SUDO[@]}" rm -f "$policy"' EXIT
  fi
  quiet "${SUDO[@]}" apt-get update -qq
  quiet "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$made_policy" = 1 ]; then
    "${SUDO[@]}" rm -f "$policy"
    made_policy=0
  fi
fi

# --- no system registry -----------------------------------------------------------------------
if [ -d /run/systemd/system ] && command -v systemctl > /dev/null; then
  if systemctl is-active --quiet docker-registry.service 2> /dev/null \
    || systemctl is-enabled --quiet docker-registry.service 2> /dev/null; then
    log "stopping and disabling the system docker-registry service"
    quiet "${SUDO[@]}" systemctl disable --now docker-registry.service || true
  fi
else
  pidfile=/var/run/docker-registry.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then
    log "stopping the system docker-registry service (pid $(cat "$pidfile"))"
    quiet "${SUDO[@]}" /etc/init.d/docker-registry stop || "${SUDO[@]}" kill "$(cat "$pidfile")" || true
  fi
  # Not started at boot either, where an init reads /etc/rc?.d.
  if ls /etc/rc?.d/S*docker-registry > /dev/null 2>&1 && command -v update-rc.d > /dev/null; then
    quiet "${SUDO[@]}" update-rc.d docker-registry disable > /dev/null 2>&1 || true
  fi
  # Nor by a systemd that boots later (the package enables its unit even without a running systemd).
  if [ -e /etc/systemd/system/multi-user.target.wants/docker-registry.service ] && command -v deb-systemd-helper > /dev/null; then
    quiet "${SUDO[@]}" deb-systemd-helper disable docker-registry.service > /dev/null 2>&1 || true
  fi
fi

binary="$(command -v docker-registry || true)"
[ -n "$binary" ] || binary=/usr/bin/docker-registry
if [ ! -x "$binary" ]; then
  log "no docker-registry binary after the install"
  exit 1
fi
quiet "$binary" --version
echo "$(readlink -f "$binary")"
