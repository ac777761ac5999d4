#!/usr/bin/env bash
# System packages the test suite needs besides the brokers: Debian's chromium
# for the AsyncAPI page test. Idempotent; apt runs only when something is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ((${#missing[@]})); then
  echo "test-deps: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "test-deps: chromium $(chromium --version 2>/dev/null | awk '{print $2}')"
