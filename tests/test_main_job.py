"""The main job (``tools/main_job.sh``) beside a real term: it shows the pipeline on a demo course of its own.

Run again mid-term, it must leave the real course as it was: its students'
submissions and autograded notebooks, its gradebook (no sample students in
it) and its due date.
"""

import shutil
import subprocess

from course import (ASSIGNMENT, FULL, REPO, generated_course, gradebook_add, gradebook_scores, grader_cli,
                    solved_submission, submit, tool_env)

DUE = "2026-05-15 12:00:00 UTC"


def _due_date(course):
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        return str(gb.find_assignment(ASSIGNMENT).duedate)


def test_the_main_job_mid_term_leaves_the_real_course_alone(tmp_path):
    course = generated_course(tmp_path / "repo")  # a checkout of this project, with a term under way in it
    for part in ("tools", "samples"):
        shutil.copytree(REPO / part, course / part)
    gradebook_add(course, duedate=DUE)
    submit(course, "Иванов", solved_submission())
    graded = grader_cli(course, "autograde")
    assert graded.returncode == 0, graded.stderr
    before = {path.relative_to(course): path.read_bytes() for folder in ("submitted", "autograded")
              for path in (course / folder).rglob("*") if path.is_file()}
    due = _due_date(course)

    job = subprocess.run(["bash", "tools/main_job.sh"], cwd=course, capture_output=True, text=True, timeout=900,
                         env=dict(tool_env(), GRADER_SKIP_SETUP="1", GRADER_DB_URL="sqlite:///" + str(course / "gradebook.db")))
    assert job.returncode == 0, (job.stdout[-3000:], job.stderr[-3000:])
    assert "chmod 700" not in job.stderr  # the demo course is made private: no warning about the job's own folder
    assert "Студент1" in job.stdout and "Иванов" not in job.stdout  # the demo's table: the samples only

    after = {path.relative_to(course): path.read_bytes() for folder in ("submitted", "autograded")
             for path in (course / folder).rglob("*") if path.is_file()}
    assert after == before
    assert gradebook_scores(course) == {"Иванов": FULL} and _due_date(course) == due
    demo = course / "demo"
    assert (demo / "reports" / "class_report.html").is_file() and (demo / "grades.csv").is_file()
    assert set(gradebook_scores(demo)) >= {"Студент1", "Студент7"}

    (demo / ".main-job-demo").unlink()  # a demo/ the job did not make is not its to remove
    refused = subprocess.run(["bash", "tools/main_job.sh"], cwd=course, capture_output=True, text=True, timeout=120,
                             env=dict(tool_env(), GRADER_SKIP_SETUP="1"))
    assert refused.returncode == 2 and "not made by the main job" in refused.stderr
    assert (demo / "grades.csv").is_file()


def test_setup_says_what_it_does_and_that_it_is_done():
    # CI and the main job run it first; on a fresh machine it takes minutes, so it must not be silent.
    setup = subprocess.run(["bash", "tools/setup.sh"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert setup.returncode == 0, setup.stderr
    lines = setup.stdout.splitlines()
    assert lines and all(line.startswith("setup: ") for line in lines), setup.stdout
    assert lines[-1].startswith("setup: done"), setup.stdout
