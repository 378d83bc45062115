#!/usr/bin/env bash
# Fresh-clone set-up times: `make demo` (then a second one) and the test environment, with uv
# and with pip. Targets (issue 31, with uv): first make demo <= 25 s, second <= 8 s.
#   bench/setup.sh [REF]      # clones this checkout's HEAD (or REF, e.g. main) into temporary folders
#   INSTALLERS=uv bench/setup.sh main   # the uv rows only, for a before/after pair
# Prints wall seconds; nothing is asserted. The uv download cache (~/.cache/uv) is kept
# between runs, as on a developer's machine; clear it (uv cache clean) for a cold figure.
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse "${1:-HEAD}")
export PREFECT_SERVER_ANALYTICS_ENABLED=false

time_it() {  # time_it LABEL DIR COMMAND...
  local label=$1 dir=$2; shift 2
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && "$@" >/dev/null 2>&1)
  end=$(date +%s.%N)
  printf '%-44s %6.1f s\n' "$label" "$(echo "$end - $start" | bc)"
}

echo "commit ${commit:0:12}; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for installer in ${INSTALLERS:-uv pip}; do  # INSTALLERS=uv: the uv rows only
  d=$(mktemp -d)
  git clone -q "$repo" "$d" && git -C "$d" checkout -q --detach "$commit"
  extra=(); [ "$installer" = pip ] && extra=(NO_UV=1)
  time_it "fresh clone: make demo ($installer)" "$d" make demo "${extra[@]}" LOOKUP_DATA_DIR="$d/data"
  # the demo keeps the local Prefect server it started: the second one finds it running
  time_it "then a second make demo ($installer)" "$d" make demo "${extra[@]}" LOOKUP_DATA_DIR="$d/data"
  (cd "$d" && LOOKUP_DATA_DIR="$d/data" .venv/bin/lookup server stop >/dev/null 2>&1 || true)
  d2=$(mktemp -d)
  git clone -q "$repo" "$d2" && git -C "$d2" checkout -q --detach "$commit"
  time_it "fresh clone: test environment ($installer)" "$d2" make .venv/.installed-test "${extra[@]}"
  rm -rf "$d" "$d2"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
