#!/bin/sh
# Installs the Debian 12 packages the build and the tests need, only those
# that are missing. Safe to run repeatedly; does nothing when all are present.
set -eu

PACKAGES="build-essential cmake pkg-config
libcurl4-openssl-dev libjansson-dev libyajl-dev libev-dev libyaml-dev libmicrohttpd-dev libjemalloc-dev
libcmocka-dev valgrind python3-jsonschema"

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

# kubectl renders manifests/ in the tests. Debian's is kubernetes-client;
# a kubectl already on PATH (another package's) serves as well, and the two
# packages would both own /usr/bin/kubectl.
if ! command -v kubectl >/dev/null 2>&1; then
    missing="$missing kubernetes-client"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
