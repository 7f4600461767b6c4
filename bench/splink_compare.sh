#!/usr/bin/env bash
# jaring vs Splink on the same generated files: F1 against the ground truth and wall time.
# Usage: bench/splink_compare.sh [PERSONS] [SEED]   (default 233000 1)
# Installs Splink (DuckDB backend) into bench/.venv from PyPI; builds jaring in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS="${1:-233000}"
SEED="${2:-1}"
DIR="${TMPDIR:-/tmp}/jaring-splink-$PERSONS-$SEED"
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q "splink==5.0.0" "duckdb>=1.1" pandas
fi
cargo build --release -q
if [ ! -f "$DIR/ground_truth.csv" ]; then
  target/release/jaring generate --persons "$PERSONS" --seed "$SEED" --out "$DIR" > /dev/null
fi
bench/.venv/bin/python bench/splink_compare.py "$DIR" target/release/jaring
