#!/usr/bin/env bash
# The instructor's pipeline on the bundled sample class: set up, generate the
# release, autograde every sample submission into the sqlite gradebook, print
# the per-student score table. `--nbgrader` grades with `nbgrader autograde`
# (the notebook's hidden tests in a Jupyter kernel) instead of the sealed engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH"   # nbgrader calls its own helpers (alembic) by name

echo "== generate the student release"
nbgrader generate_assignment dnn_step_by_step --force --log-level=WARN
echo "== collect the sample submissions into submitted/"
rm -rf submitted autograded/*/
cp -r samples/submitted submitted
if [ "${1:-}" = "--nbgrader" ]; then
  echo "== autograde with nbgrader"
  nbgrader autograde dnn_step_by_step --force --log-level=ERROR 2> >(grep -v "Kernel is running over TCP" >&2)
  echo "== scores"
  grader scores
else
  echo "== autograde with the sealed engine"
  grader autograde --force
fi
