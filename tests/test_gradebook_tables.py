"""Reading nbgrader's tables without its ORM gives what its ORM gives, on a gradebook with every case."""

import datetime
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from course import ASSIGNMENT, FULL, generated_course, solved_submission, submit, tool_env
from grader.course.records.tables import is_complete, students, submitted_work

DUE = datetime.datetime(2026, 11, 20, 23, 59)


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """A gradebook with students on time, late, late within an extension, hand-graded, half-graded, absent."""
    course = generated_course(tmp_path_factory.mktemp("tables") / "course")
    url = "sqlite:///{}".format(course / "gradebook.db")
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
        for student, delay, extension in (("s1", -3600, None), ("s2", 90061.5, None), ("s3", 7200, 3),
                                          ("s4", 10, None), ("s5", None, None)):
            gb.update_or_create_student(student)
            stamp = {} if delay is None else {"timestamp": DUE + datetime.timedelta(seconds=delay)}
            submission = gb.update_or_create_submission(ASSIGNMENT, student, **stamp)
            if extension:
                submission.extension = datetime.timedelta(hours=extension)
            notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            for number, grade in enumerate(sorted(notebook.grades, key=lambda g: g.name)):
                if student != "s4" or number % 2:  # s4: half graded
                    grade.auto_score = float(number % 3)
                if student == "s2" and number == 1:
                    grade.manual_score, grade.extra_credit = 4.5, 0.25
                if student == "s3" and number == 2:
                    grade.extra_credit = 1.0
            for number, comment in enumerate(notebook.comments):
                comment.auto_comment = None if number == 0 else "вердикт {} {}".format(student, number)
            notebook.late_submission_penalty = 2.5 if student == "s2" else None
            gb.db.commit()
        gb.update_or_create_student("absent")
    return url


def test_the_tables_read_each_student_as_nbgrader_s_orm_does(gradebook):
    with Gradebook(gradebook) as gb:
        works = submitted_work(gb.db)
        assert sorted(students(gb.db)) == sorted(s.id for s in gb.students)
        assert sorted(works) == ["s1", "s2", "s3", "s4", "s5"]  # "absent" has no submission
        for name, work in works.items():
            notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, name)
            submission = gb.find_submission(ASSIGNMENT, name)
            assert work.scores == {g.name: g.score for g in notebook.grades}
            assert work.auto_scores == {g.name: g.auto_score for g in notebook.grades}
            assert work.comments == {c.name: c.auto_comment or "" for c in notebook.comments}
            assert work.seconds_late == submission.total_seconds_late
            assert work.penalty == notebook.late_submission_penalty
            assert submitted_work(gb.db, name) == {name: work}
            assert is_complete(gb.db, name) == all(g.auto_score is not None for g in notebook.grades)
        # the cases are there: late, late within an extension, hand-graded, half-graded
        assert works["s2"].seconds_late == 90061.5 and works["s3"].seconds_late == 0
        assert works["s2"].scores != works["s2"].auto_scores
        assert not is_complete(gb.db, "s4") and is_complete(gb.db, "s1") and not is_complete(gb.db, "absent")


def test_grader_autograde_scores_and_export_import_nothing_of_nbgrader(gradebook):
    """A class on time is graded, recorded and read without importing nbgrader: its start was most of a small run."""
    course = gradebook[len("sqlite:///"):].rsplit("/", 1)[0]
    submit(course, "s9", solved_submission())
    for command in (["autograde", "--student", "s9"], ["scores"], ["export", "--json", "/dev/null"]):
        run = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader.cli", *command, "--course", course],
                             env=tool_env(), capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]
        imported = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "import time:" in line]
        assert "grader.course.records.tables" in imported  # what it measures is there to see
        assert not [m for m in imported if m == "nbgrader" or m.startswith("nbgrader.")], command
    with Gradebook(gradebook) as gb:
        assert gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "s9").score == sum(FULL.values())
