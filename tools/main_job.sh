#!/usr/bin/env bash
# The instructor's whole pipeline, shown on the bundled sample class in a demo course of its own:
# demo/ (never committed), made afresh from this course's nbgrader_config.py and source/ on every
# run. In it: generate the release, set the due date, autograde every sample submission into the
# demo's own sqlite gradebook (printing the per-student score table), then feedback pages, the grade
# export and the class report. The course in this folder -- its submitted/, autograded/, feedback/,
# gradebook and settings -- is never read or written, so running this mid-term is safe. `--nbgrader`
# grades with `nbgrader autograde` (the same sealed engine, through nbgrader's steps, one student at
# a time). GRADER_SKIP_SETUP=1 skips tools/setup.sh (for an environment already set up).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${GRADER_SKIP_SETUP:-}" = 1 ] || bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH"   # nbgrader calls its own helpers (alembic) by name
# The demo's gradebook and workers are its own, never the database or cluster of a real course.
unset GRADER_DB_URL GRADER_SCHEDULER

demo="$PWD/demo"
marker="$demo/.main-job-demo"
if [ -e "$demo" ] && [ ! -e "$marker" ]; then
  echo "error: $demo exists and was not made by the main job; move it away (the main job rebuilds demo/ on every run)" >&2
  exit 2
fi
echo "== the demo course: $demo (the course in $PWD is not touched)"
rm -rf "$demo"
mkdir -m 700 -p "$demo"  # a course is its instructor's alone (every command warns otherwise)
touch "$marker"
cp -r nbgrader_config.py source "$demo"/
cd "$demo"

echo "== generate the student release"
nbgrader generate_assignment dnn_step_by_step --force --log-level=WARN
nbgrader db assignment add dnn_step_by_step --duedate "2026-03-01 23:59:00 UTC" --log-level=WARN
echo "== collect the sample submissions into demo/submitted/"
cp -r ../samples/submitted submitted
if [ "${1:-}" = "--nbgrader" ]; then
  echo "== autograde with nbgrader"
  nbgrader autograde dnn_step_by_step --force --log-level=ERROR 2> >(grep -v "Kernel is running over TCP" >&2)
  echo "== scores"
  grader scores
else
  echo "== autograde with the sealed engine"
  grader autograde --force
fi
echo "== feedback, export, report (all under demo/)"
grader feedback
grader export --csv grades.csv --json grades.json
grader report --output reports/class_report.html
