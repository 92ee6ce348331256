#!/usr/bin/env bash
# The instructor's pipeline on the bundled sample class: set up, generate the
# release, autograde every sample submission into the sqlite gradebook, print
# the per-student score table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH"   # nbgrader calls its own helpers (alembic) by name

echo "== generate the student release"
nbgrader generate_assignment dnn_step_by_step --force --log-level=WARN
echo "== collect the sample submissions into submitted/"
rm -rf submitted autograded/*/
cp -r samples/submitted submitted
echo "== autograde with nbgrader"
nbgrader autograde dnn_step_by_step --force --log-level=ERROR
echo "== scores"
grader scores
