#!/bin/sh
# Installs the Debian packages named on the command line that are not installed yet.
# --optional: a failure to install is reported but does not fail the build (test-only extras).
# Uses sudo when not root. Idempotent: installs nothing, and runs no apt-get, when all are present.
optional=0
[ "$1" = "--optional" ] && { optional=1; shift; }
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "error: need root or sudo to install:$missing" >&2
        [ $optional = 1 ] && exit 0 || exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
if $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends $missing; then
    exit 0
fi
echo "error: could not install:$missing" >&2
[ $optional = 1 ] && exit 0 || exit 1
