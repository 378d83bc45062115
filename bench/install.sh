#!/usr/bin/env bash
# Install times of the wheel, the way a user installs the tool, then `lookup demo` from an
# empty folder with a fresh home (so the platform data folder starts empty).
#   bench/install.sh            # uv from .venv/bin (or PATH); pipx when on PATH (or PIPX=...)
# Prints wall seconds; the only check is that the demo card names the expected address.
# The uv and pip download caches are kept, as on a developer's machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
uv=$(command -v "$root/.venv/bin/uv" || command -v uv || true)
pipx=${PIPX:-$(command -v pipx || true)}
[ -n "$uv" ] || { echo "uv is needed (make .venv/.installed installs it)"; exit 2; }
work=$(mktemp -d)
# `lookup demo` keeps the local Prefect server it starts: stop it before the folder goes
trap '[ -x "$work/uv-bin/lookup" ] && HOME="$work/home" "$work/uv-bin/lookup" server stop >/dev/null 2>&1; rm -rf "$work"' EXIT
export PREFECT_SERVER_ANALYTICS_ENABLED=false
unset LOOKUP_DATA_DIR LOOKUP_CONFIG PREFECT_API_URL PREFECT_HOME XDG_DATA_HOME

seconds() {  # seconds COMMAND...: run it quietly, print its wall time
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/last.out" 2>"$work/last.err" || { cat "$work/last.err" >&2; return 1; }
  end=$(date +%s.%N)
  awk "BEGIN { printf \"%6.1f s\", $end - $start }"
}

printf '%-52s %s\n' "build (clean copy, sdist then wheel) + fresh venv" \
  "$(seconds "$root/.ci/wheel-venv" "$work/ci" "$(dirname "$uv")")"
wheel=$(ls "$work"/ci/dist/*.whl)
printf '%-52s %s\n' "uv tool install WHEEL" \
  "$(seconds env UV_TOOL_DIR="$work/uv-tools" UV_TOOL_BIN_DIR="$work/uv-bin" "$uv" tool install "$wheel")"
if [ -n "$pipx" ]; then
  printf '%-52s %s\n' "pipx install WHEEL" \
    "$(seconds env PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx-bin" PIPX_MAN_DIR="$work/pipx-man" "$pipx" install "$wheel")"
else
  echo "pipx install WHEEL                                    skipped: pipx not found (PIPX=path)"
fi
mkdir -p "$work/empty"
for run in first second; do
  printf '%-52s %s\n' "lookup demo from an empty folder ($run run)" \
    "$(cd "$work/empty" && seconds env HOME="$work/home" "$work/uv-bin/lookup" demo)"
  grep -q "Address: dokafor@brightwater.test" "$work/last.out" || { echo "the card is wrong"; exit 1; }
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
