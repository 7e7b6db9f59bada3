#!/usr/bin/env bash
# Debian packages the test suite and benchmarks use (node: the web page's JS unit tests).
# Installed when we are root with apt-get; otherwise we say what is missing (tests that need
# them skip locally and fail in CI).
set -uo pipefail
declare -A need=( [espeak-ng]=espeak-ng [chromium]=chromium [wrk]=wrk [node]=nodejs )
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/tmp/interview-jobs-apt.log 2>&1 \
    || { echo "apt-get failed (see /tmp/interview-jobs-apt.log)"; exit 1; }
else
  echo "missing Debian packages (tests that need them will skip): ${missing[*]}" >&2
fi
