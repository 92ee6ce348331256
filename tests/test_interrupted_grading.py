"""A run that dies while regrading a student never costs them the grade that counts.

Under the default resubmission policy a late resubmission is graded but the
on-time grade stays. ``nbgrader autograde`` records the late one over it
first (its time as it starts on the student, its scores in SaveAutoGrades)
and KeepCounted puts the on-time one back last; the stale autograded folder is
removed before either. Here real nbgrader runs are stopped in that window --
killed outright (nothing of nbgrader's cleanup runs) or by a failing step
(nbgrader removes the student's folder) -- and the next run, by either path,
must still count the on-time grade.
"""

import stat

import pytest

from course import (ASSIGNMENT, FULL, copied_course, generated_course, gradebook_add, gradebook_scores, grader_cli,
                    nbgrader, solved_submission)
from test_resubmission import DUE, LATE, ON_TIME, PARTIAL, WRONG, _export, _place

# A step that stops the run: os._exit is a kill (no handler, no cleanup); raising is a step failing.
CRASH = '''
import os

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


class Crash(NbGraderPreprocessor):
    how = Unicode("kill").tag(config=True)

    def preprocess(self, nb, resources):
        if self.how == "kill":
            os._exit(9)
        raise RuntimeError("a later step failed")
'''

STEPS = '''
_steps = list(c.Autograde.autograde_preprocessors)
_steps.insert({where}, "crash.Crash")
c.Autograde.autograde_preprocessors = _steps
c.Crash.how = "{how}"
'''
BEFORE = {"SealedExecute": "0",  # the stale folder removed, the late time recorded, nothing graded
          "KeepCounted": '_steps.index("grader.course.steps.autograde.KeepCounted")'}  # the late grade recorded


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    """``stopped(before, how)``: a course where ``nbgrader autograde`` graded ann's on-time submission, then a run
    on her late resubmission was stopped ``how`` before the step ``before``. The on-time grading is done once,
    each stop once; each case copies the stop it goes on from (both paths recover the same killed run)."""
    on_time = generated_course(tmp_path_factory.mktemp("on_time") / "course",
                               'c.LateSubmissionPlugin.penalty_method = "none"')
    gradebook_add(on_time, duedate=DUE)
    _place(on_time, "ann", solved_submission(), ON_TIME)
    nbgrader(on_time, "autograde", ASSIGNMENT)
    made = {}

    def course_stopped(before, how):
        if (before, how) not in made:
            course = copied_course(on_time, tmp_path_factory.mktemp("stopped") / "course")
            assert gradebook_scores(course)["ann"] == FULL
            _place(course, "ann", WRONG, LATE)
            config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
            (course / "crash.py").write_text(CRASH, encoding="utf-8")
            (course / "nbgrader_config.py").write_text(config + STEPS.format(where=BEFORE[before], how=how),
                                                       encoding="utf-8")
            run = nbgrader(course, "autograde", ASSIGNMENT, check=False)
            assert run.returncode != 0, run.stderr[-3000:]
            kept = course / ".grader" / "counted" / "ann.json"
            assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
            if before == "KeepCounted":  # the window is real: the gradebook now holds the late grade
                assert gradebook_scores(course)["ann"] == PARTIAL
            (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
            made[before, how] = course
        return made[before, how]
    return course_stopped


@pytest.mark.parametrize("before, how, path", [
    ("KeepCounted", "kill", "nbgrader autograde"),
    ("KeepCounted", "fail", "nbgrader autograde"),
    ("SealedExecute", "fail", "nbgrader autograde"),
    ("KeepCounted", "kill", "grader autograde"),
])
def test_an_on_time_grade_survives_a_run_stopped_while_a_late_resubmission_is_graded(stopped, tmp_path, before, how,
                                                                                     path):
    course = copied_course(stopped(before, how), tmp_path / "course")
    kept = course / ".grader" / "counted" / "ann.json"
    assert kept.exists()  # the stopped run's kept grade, copied

    again = (grader_cli(course, "autograde") if path == "grader autograde"
             else nbgrader(course, "autograde", ASSIGNMENT, check=False))
    assert again.returncode == 0, again.stderr[-3000:]
    said = again.stdout + again.stderr
    assert "ann: resubmission graded (" in said and "but not counted (on-time-latest)" in said, said[-3000:]
    assert gradebook_scores(course)["ann"] == FULL
    assert _export(course)["ann"]["status"] == "graded"  # on time, as it was: not late
    assert not kept.exists()

    once_more = nbgrader(course, "autograde", ASSIGNMENT)  # settled: nobody is graded again
    assert "grading again" not in once_more.stderr and "resubmission graded" not in once_more.stderr
    assert gradebook_scores(course)["ann"] == FULL
