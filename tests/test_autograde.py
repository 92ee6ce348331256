"""``grader autograde`` on a real course: gradebook, autograded notebooks, crashes, reruns."""

import csv
import os

import pytest

from course import (ASSIGNMENT, FULL, ZERO, RELEASE_NB, generated_course, gradebook_scores, grader_command, nbgrader,
                    solved_submission, submit, with_answers)
from hostile import hostile_submissions
from corpus import solved_sources


ROOT = os.geteuid() == 0


def grader(course, *args):
    return grader_command("autograde", "--course", course, "--timeout", "3", *args, timeout=600)


def new_course(tmp_path):
    return generated_course(tmp_path / "course")


def put_raw(course, student, text):
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / (ASSIGNMENT + ".ipynb")).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def class_course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("class"))
    submit(course, "Студент1", solved_submission())
    submit(course, "Студент2", as_text_release())
    broken = solved_sources()["linear_forward"].replace(" + b", "")
    submit(course, "Студент3", with_answers(solved_submission(), {"linear_forward": broken}))
    submit(course, "Студент10", solved_submission())
    for name in ("infinite-loop", "os-exit-at-top-level", "segfault", "memory-bomb", "kill-everyone"):
        if name in hostile_submissions():
            put_raw(course, "hostile-" + name, hostile_submissions()[name][0])
    put_raw(course, "corrupt", "{not json")
    put_raw(course, "empty", "")
    (course / "submitted" / "no-notebook" / ASSIGNMENT).mkdir(parents=True)
    first = grader(course, "--workers", "2")
    return course, first


def as_text_release():
    return RELEASE_NB.read_text(encoding="utf-8")


def test_the_batch_grades_everyone_and_hostile_students_harm_no_one(class_course):
    course, run = class_course
    assert run.returncode == 0, run.stderr
    scores = gradebook_scores(course)
    assert scores["Студент1"] == FULL
    assert scores["Студент2"] == ZERO
    assert scores["Студент3"] == dict(FULL, test_linear_forward=0.0)
    for name in ("corrupt", "empty", "no-notebook"):
        assert scores[name] == ZERO
    assert scores["hostile-infinite-loop"] == dict(FULL, test_linear_forward=0.0)
    assert scores["hostile-segfault"] == dict(FULL, test_update_parameters=0.0)
    assert scores["hostile-os-exit-at-top-level"] == dict(FULL, test_linear_backward=0.0)
    assert "corrupt: not graded" in run.stdout
    if ROOT:  # a student who signals every pid harms no one else
        assert scores["hostile-kill-everyone"] == dict(FULL, test_compute_cost=0.0)
    assert "graded {} submission(s)".format(12 if ROOT else 11) in run.stderr


def test_the_summary_table_lists_students_in_natural_order(class_course):
    _, run = class_course
    students = [line.split()[0] for line in run.stdout.splitlines() if line.startswith("Студент")]
    assert students == ["Студент1", "Студент2", "Студент3", "Студент10"]


def test_autograded_notebooks_carry_the_verdicts(class_course):
    course, _ = class_course
    import nbformat

    nb = nbformat.read(str(course / "autograded" / "Студент3" / ASSIGNMENT / (ASSIGNMENT + ".ipynb")), 4)
    outputs = {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade")}
    assert outputs["test_linear_forward"][1]["data"]["text/plain"] == "0.0"
    assert "linear_forward: 0 из 5" in outputs["test_linear_forward"][0]["text"]
    assert outputs["test_L_model_backward"][1]["data"]["text/plain"] == "20.0"


def test_nbgrader_export_sees_the_grades(class_course):
    course, _ = class_course
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grades.csv", encoding="utf-8"))}
    assert float(rows["Студент1"]["score"]) == 100 and float(rows["Студент3"]["score"]) == 95
    assert float(rows["corrupt"]["score"]) == 0


def test_a_second_run_regrades_nobody_unless_forced(class_course):
    course, _ = class_course
    again = grader(course)
    assert again.returncode == 0 and "graded 0 submission(s)" in again.stderr
    forced = grader(course, "--force", "--student", "Студент1")
    assert "graded 1 submission(s)" in forced.stderr
    assert gradebook_scores(course)["Студент1"] == FULL
