#!/usr/bin/env bash
# The instructor's whole pipeline on the bundled sample class: set up, generate
# the release, set the due date, autograde every sample submission into the
# sqlite gradebook (printing the per-student score table), then feedback pages,
# the grade export and the class report. `--nbgrader` grades with `nbgrader autograde`
# (the same sealed engine, through nbgrader's steps, one student at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH"   # nbgrader calls its own helpers (alembic) by name

echo "== generate the student release"
nbgrader generate_assignment dnn_step_by_step --force --log-level=WARN
nbgrader db assignment add dnn_step_by_step --duedate "2026-03-01 23:59:00 UTC" --log-level=WARN
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
echo "== feedback, export, report"
grader feedback
grader export --csv grades.csv --json grades.json
grader report --output reports/class_report.html
