#!/usr/bin/env bash
# Check a built app (make build → dist/partnerdesk/): run its self-test offscreen, in a throwaway data folder.
# Usage: bash tools/check_build.sh [DIST_DIR]      (`make check-build` builds first, then runs this)
set -euo pipefail
dist="${1:-dist/partnerdesk}"
exe="$dist/partnerdesk"
[ -x "$exe" ] || exe="$dist/partnerdesk.exe"
[ -x "$exe" ] || { echo "check_build: no built app in $dist (run make build)" >&2; exit 2; }
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export PARTNERDESK_HOME="$home" QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
"$exe" --version
"$exe" selftest
# The CLI executable answers too, and the help lists the commands.
cli="$dist/partnerdesk-cli"; [ -x "$cli" ] || cli="$dist/partnerdesk-cli.exe"
"$cli" backup --list >/dev/null
echo "check_build: $exe passed its self-test ($(du -sh "$dist" | cut -f1) on disk)"
