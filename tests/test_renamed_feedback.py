"""A lone renamed notebook: graded, and its feedback fetched by its student with nbgrader's own command."""

import os
import shutil

import pytest

from corpus import solved_sources
from course import ASSIGNMENT, FULL, NOTEBOOK, gradebook_scores, grader_cli, nbgrader
from hub import Student, folder_exchange, instructor_side, readme_student_commands
from other_users import remove_user

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates OS users: needs root (CI runs as root)")

NAME = "dnn-renamed-" + str(os.getpid())[-5:]
SAVED_AS = "dnn_step_by_step (1).ipynb"  # a browser's second download


def test_feedback_of_a_renamed_notebook_is_fetched(tmp_path):
    root, exchange, course = instructor_side("grader-renamed-")
    try:
        student = Student(NAME, root, folder_exchange(exchange))
        said = readme_student_commands()
        nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
        nbgrader(course, "db", "student", "add", NAME)
        nbgrader(course, "release_assignment", ASSIGNMENT, "--force")
        student.nbgrader(*said["fetch_assignment"][1:])
        student.answer(solved_sources())
        os.rename(student.notebook, student.notebook.with_name(SAVED_AS))
        student.nbgrader(*said["submit"][1:])
        nbgrader(course, "collect", ASSIGNMENT)
        graded = grader_cli(course, "autograde")
        assert graded.returncode == 0, graded.stderr
        assert gradebook_scores(course) == {NAME: FULL}
        assert grader_cli(course, "feedback").returncode == 0
        pages = sorted(p.name for p in (course / "feedback" / NAME / ASSIGNMENT).glob("*.html"))
        assert pages == [SAVED_AS.replace(".ipynb", ".html")]
        nbgrader(course, "release_feedback", ASSIGNMENT)
        fetched = student.run(*said["fetch_feedback"])
        assert fetched.returncode == 0, fetched.stderr
        got = list((student.home / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert len(got) == 1, (fetched.stdout, fetched.stderr)
        page = got[0].read_text(encoding="utf-8")
        assert "итог: <b>100 из 100</b>" in page and SAVED_AS in page and NOTEBOOK in page
    finally:
        remove_user(NAME)
        shutil.rmtree(root, ignore_errors=True)
