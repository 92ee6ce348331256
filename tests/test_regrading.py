"""Resubmissions are graded: one rule for both batch paths (grader/course/records/regrading.py).

A student is graded again when what is in ``submitted/`` is newer than, or
different from, the submission their grades came from -- and only then.
"""

import json

import pytest

from course import (ASSIGNMENT, FULL, NOTEBOOK, generated_course, gradebook_add, gradebook_scores, grader_cli, nbgrader,
                    solved_submission, submit, with_answers)
from corpus import solved_sources

from grader.course.base.settings import write_setting


WRONG_COST = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")
DUE = "2026-06-01 00:00:00 UTC"


def _timestamp(course, student, when):
    (course / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(when, encoding="utf-8")


def _autograded(course, student):
    return course / "autograded" / student / ASSIGNMENT / NOTEBOOK


def grade(course, path):
    if path == "grader autograde":
        run = grader_cli(course, "autograde")
    else:
        run = nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


@pytest.mark.parametrize("path", ["grader autograde", "nbgrader autograde"])
def test_a_newer_or_different_submission_is_graded_again_and_nothing_else(tmp_path, path):
    course = generated_course(tmp_path / "course", 'c.LateSubmissionPlugin.penalty_method = "zero"')
    gradebook_add(course, duedate=DUE)
    write_setting(course, "resubmission", "latest")  # `grader config resubmission latest` (see test_resubmission)
    wrong = with_answers(solved_submission(), {"compute_cost": WRONG_COST})
    for student in ("resubmits", "edits-in-place", "unchanged", "late-resubmission"):
        submit(course, student, wrong)
        _timestamp(course, student, "2026-05-30 10:00:00.000000 UTC")
    grade(course, path)
    assert all(s == dict(FULL, test_compute_cost=0.0) for s in gradebook_scores(course).values())
    unchanged_at = _autograded(course, "unchanged").stat().st_mtime_ns

    submit(course, "resubmits", solved_submission())            # `nbgrader collect --update`: newer
    _timestamp(course, "resubmits", "2026-05-31 09:00:00.000000 UTC")
    submit(course, "edits-in-place", solved_submission())       # different bytes, same time
    submit(course, "late-resubmission", solved_submission())    # newer, and after the due date
    _timestamp(course, "late-resubmission", "2026-06-02 09:00:00.000000 UTC")
    run = grade(course, path)
    if path == "grader autograde":
        assert "graded 3 submission(s)" in run.stderr

    scores = gradebook_scores(course)
    assert scores["resubmits"] == scores["edits-in-place"] == scores["late-resubmission"] == FULL
    assert scores["unchanged"] == dict(FULL, test_compute_cost=0.0)
    assert _autograded(course, "unchanged").stat().st_mtime_ns == unchanged_at
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        late = gb.find_submission(ASSIGNMENT, "late-resubmission")
        assert late.total_seconds_late > 0 and gb.find_submission_notebook(
            ASSIGNMENT, ASSIGNMENT, "late-resubmission").late_submission_penalty == 100
        assert str(gb.find_submission(ASSIGNMENT, "resubmits").timestamp).startswith("2026-05-31 09:00:00")
    for student in ("resubmits", "edits-in-place"):
        record = json.loads(_autograded(course, student).read_text(encoding="utf-8"))["metadata"]["grader"]
        assert record["timestamp"] == (course / "submitted" / student / ASSIGNMENT / "timestamp.txt").read_text()

    before = {s: _autograded(course, s).stat().st_mtime_ns for s in scores}
    again = grade(course, path)  # nothing changed: nobody is graded
    if path == "grader autograde":
        assert "graded 0 submission(s)" in again.stderr
    assert {s: _autograded(course, s).stat().st_mtime_ns for s in scores} == before


def test_a_timestamp_rewritten_during_the_run_leaves_the_notebook_and_the_gradebook_agreeing(tmp_path, monkeypatch):
    """``timestamp.txt`` is read once per student: a collect that rewrites it between the autograded
    notebook and the gradebook record cannot give them different times (the next run grades it again)."""
    from nbgrader.api import Gradebook

    from grader.course.base.course import Course
    from grader.course.steps import batch
    from grader.sandbox.session import Limits

    course = generated_course(tmp_path / "course")
    submit(course, "s1", solved_submission())
    _timestamp(course, "s1", "2026-05-30 10:00:00.000000 UTC")
    prepare = batch.prepare_autograded

    def prepare_then_collect(*args):
        written = prepare(*args)
        _timestamp(course, "s1", "2026-05-31 11:00:00.000000 UTC")
        return written

    monkeypatch.setattr(batch, "prepare_autograded", prepare_then_collect)
    assert batch.run(Course.at(course), Limits(), workers=1) == {}
    record = json.loads(_autograded(course, "s1").read_text(encoding="utf-8"))["metadata"]["grader"]
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        recorded = str(gb.find_submission(ASSIGNMENT, "s1").timestamp)
    assert record["timestamp"].startswith("2026-05-30 10:00:00") and recorded.startswith("2026-05-30 10:00:00")
    monkeypatch.setattr(batch, "prepare_autograded", prepare)
    assert "graded 1 submission(s)" in grade(course, "grader autograde").stderr  # the new time: graded again
