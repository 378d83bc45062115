#!/usr/bin/env bash
# The tests that start a real Prefect server, 5 times in a row, while a whole `make test`
# runs beside them in a scratch clone (the busy machine issue 16 was found on). Not in CI.
#   bench/server_stress.sh [ROUNDS]
# Prints each round's pytest summary and the background run's; exits non-zero on any failure.
set -uo pipefail
here=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
rounds=${1:-5}
scratch=$(mktemp -d)
git clone -q "$here" "$scratch"
(cd "$scratch" && make test >"$scratch/beside.log" 2>&1; echo "exit $?" >>"$scratch/beside.log") &
beside=$!
failed=0
for round in $(seq 1 "$rounds"); do
  summary=$(cd "$here" && .venv/bin/python -m pytest -q -p no:cacheprovider -m server \
    tests/test_serve.py tests/test_server.py 2>&1 | tail -1)
  echo "round $round: $summary"
  case "$summary" in *failed*|*error*) failed=1 ;; esac
done
wait "$beside"
echo "beside: $(grep -E 'passed|failed' "$scratch/beside.log" | tail -1) ($(tail -1 "$scratch/beside.log"))"
grep -q "exit 0" "$scratch/beside.log" || failed=1
rm -rf "$scratch"
exit "$failed"
