#!/usr/bin/env bash
# Fresh-clone set-up times: `make demo` and the test environment, with uv and with pip.
#   bench/setup.sh            # clones this checkout's HEAD into temporary folders
# Prints wall seconds; nothing is asserted. The uv download cache (~/.cache/uv) is kept
# between runs, as on a developer's machine; clear it (uv cache clean) for a cold figure.
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
export PREFECT_SERVER_ANALYTICS_ENABLED=false

time_it() {  # time_it LABEL DIR COMMAND...
  local label=$1 dir=$2; shift 2
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && "$@" >/dev/null 2>&1)
  end=$(date +%s.%N)
  printf '%-44s %6.1f s\n' "$label" "$(echo "$end - $start" | bc)"
}

for installer in uv pip; do
  d=$(mktemp -d)
  git clone -q "$repo" "$d"
  extra=(); [ "$installer" = pip ] && extra=(NO_UV=1)
  time_it "fresh clone: make demo ($installer)" "$d" make demo "${extra[@]}" LOOKUP_DATA_DIR="$d/data"
  d2=$(mktemp -d)
  git clone -q "$repo" "$d2"
  time_it "fresh clone: test environment ($installer)" "$d2" make .venv/.installed-test "${extra[@]}"
  rm -rf "$d" "$d2"
done
