#!/usr/bin/env bash
# Installs what building and testing Lethe needs on a fresh Debian machine.
# Idempotent and quiet when everything is already there.
set -euo pipefail

debian_packages=(libarchive-dev libsodium-dev libpq-dev postgresql pkg-config zstd libcurl4 strace libarchive-tools minisign chromium fonts-dejavu-core)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The S3-compatible test server (moto's server mode) for the offsite tests.
if ! python3 -c 'import moto.server, flask_cors' >/dev/null 2>&1; then
  echo "setup: installing moto[server]"
  python3 -m pip install -q 'moto[server]'
fi
