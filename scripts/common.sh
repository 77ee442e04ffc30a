# Sourced by the install scripts: logging to stderr (their stdout carries only their final answer),
# sudo when not root, and whether a Debian package is installed.
# Set LOG_NAME before sourcing.

log() { echo "[${LOG_NAME:-install}] $*" >&2; }
# Runs a command with its stdout sent to stderr, so that stdout carries only the final path.
quiet() { "$@" >&2; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo > /dev/null; then SUDO=(sudo); else log "not root and no sudo: apt-get may fail"; fi
fi

is_installed() { dpkg-query -W -f='${Status}' "$1" 2> /dev/null | grep -q 'install ok installed'; }
