"""What a student and an instructor read about a notebook that is not simply right or wrong, on every path.

A syntax error, a notebook saved under a browser's name, two notebooks, a blank
answer: each gets the same plain Russian explanation from ``grader check``,
``grader autograde``, ``nbgrader autograde``, the feedback page and the class report.
"""

import html
import subprocess
import sys

import nbformat
import pytest
from hypothesis import given, settings, strategies as st

from course import (ASSIGNMENT, NOTEBOOK, RELEASE_NB, generated_course, gradebook_scores, gradebook_verdicts,
                    grader_cli, nbgrader, solved_submission, submit, tool_env, with_answers)
from corpus import solved_sources

BROKEN_LINE = "    Z = np.dot(W A) + b"
SYNTAX = solved_sources()["linear_forward"].replace("    Z = np.dot(W, A) + b", BROKEN_LINE)
RENAMED = "dnn_step_by_step (1).ipynb"
MISNAMED = solved_sources()["linear_forward"].replace("def linear_forward(", "def linear_fwd(")


def _class(course):
    """syntax: a cell that does not parse; renamed: the lone notebook under a browser's name; two: two
    notebooks, neither the expected one; blank: the release as it was handed out; misnamed: a function
    defined under another name."""
    assert BROKEN_LINE in SYNTAX
    submit(course, "syntax", with_answers(solved_submission(), {"linear_forward": SYNTAX}))
    submit(course, "renamed", solved_submission()).rename(course / "submitted" / "renamed" / ASSIGNMENT / RENAMED)
    two = submit(course, "two", solved_submission())
    two.rename(two.with_name("a.ipynb"))
    (two.parent / "b.ipynb").write_text(RELEASE_NB.read_text(encoding="utf-8"), encoding="utf-8")
    submit(course, "blank", RELEASE_NB.read_text(encoding="utf-8"))
    submit(course, "misnamed", with_answers(solved_submission(), {"linear_forward": MISNAMED}))
    return course


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    by_grader = _class(generated_course(tmp_path_factory.mktemp("messages") / "course"))
    run = grader_cli(by_grader, "autograde")
    assert run.returncode == 0, run.stderr
    for step in (("feedback",), ("report", "--output", str(by_grader / "report.html"))):
        assert grader_cli(by_grader, *step).returncode == 0
    by_nbgrader = _class(generated_course(tmp_path_factory.mktemp("messages_nbgrader") / "course"))
    nb_run = nbgrader(by_nbgrader, "autograde", ASSIGNMENT, check=False)
    return {"grader": by_grader, "nbgrader": by_nbgrader, "grader run": run, "nbgrader run": nb_run}


def _where(text):
    return "синтаксическая ошибка в ячейке функции linear_forward, строка" in text and BROKEN_LINE.strip() in text


def test_a_syntax_error_is_named_with_its_function_line_and_text_everywhere(courses, tmp_path):
    notebook = tmp_path / NOTEBOOK
    nbformat.write(with_answers(solved_submission(), {"linear_forward": SYNTAX}), str(notebook))
    check = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(notebook)], capture_output=True,
                           text=True, env=tool_env(), timeout=300)
    assert _where(check.stdout) and "не найдена" not in check.stdout, check.stdout
    assert "linear_forward                 0/5  синтаксическая ошибка" in check.stdout
    for path in ("grader", "nbgrader"):
        verdicts = gradebook_verdicts(courses[path])["syntax"]
        assert _where(verdicts["linear_forward"]), (path, verdicts["linear_forward"])
        assert gradebook_scores(courses[path])["syntax"]["test_linear_activation_forward"] == 10  # its own only
    page = html.unescape((courses["grader"] / "feedback" / "syntax" / ASSIGNMENT / "dnn_step_by_step.html")
                         .read_text(encoding="utf-8"))
    assert _where(page)
    report = (courses["grader"] / "report.html").read_text(encoding="utf-8")
    assert "<td>linear_forward</td><td>синтаксическая ошибка</td>" in report


def test_the_only_notebook_under_another_name_is_graded_on_both_paths_and_said_so(courses):
    for path in ("grader", "nbgrader"):
        assert courses[path + " run"].returncode == 0, courses[path + " run"].stderr[-3000:]
        assert sum(gradebook_scores(courses[path])["renamed"].values()) == 100, path
    assert "renamed: grading {}, the only notebook in the folder".format(RENAMED) in courses["grader run"].stderr
    assert "grading {}, the only notebook".format(RENAMED) in courses["nbgrader run"].stderr
    page = (courses["grader"] / "feedback" / "renamed" / ASSIGNMENT / RENAMED.replace(".ipynb", ".html")).read_text(
        encoding="utf-8")  # named for the notebook handed in: nbgrader's fetch_feedback looks for it so
    assert "Проверен файл «{}»".format(RENAMED) in html.unescape(page)


def test_a_function_under_another_name_is_said_by_the_name_found(courses, tmp_path):
    said = "функции с именем linear_forward нет: в её ячейке определена linear_fwd"
    notebook = tmp_path / NOTEBOOK
    nbformat.write(with_answers(solved_submission(), {"linear_forward": MISNAMED}), str(notebook))
    check = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(notebook)], capture_output=True,
                           text=True, env=tool_env(), timeout=300)
    assert said in check.stdout and "не найдена" not in check.stdout, check.stdout
    for path in ("grader", "nbgrader"):
        verdicts = gradebook_verdicts(courses[path])["misnamed"]
        assert said in verdicts["linear_forward"], (path, verdicts["linear_forward"])


def test_two_notebooks_neither_named_right_name_the_file_expected_once(courses):
    for path in ("grader", "nbgrader"):
        verdicts = gradebook_verdicts(courses[path])["two"]
        assert all("нет файла dnn_step_by_step.ipynb" in v for v in verdicts.values()), (path, verdicts)
    page = html.unescape((courses["grader"] / "feedback" / "two" / ASSIGNMENT / "dnn_step_by_step.html")
                         .read_text(encoding="utf-8"))
    assert page.count("нет файла dnn_step_by_step.ipynb") == 1, page  # said once, not for each of ten


def test_a_blank_answer_reads_no_answer_in_grader_check_and_the_gradebook(courses):
    check = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(RELEASE_NB)], capture_output=True,
                           text=True, env=tool_env(), timeout=300)
    assert check.stdout.count("нет ответа") >= 10 and "исключение" not in check.stdout, check.stdout
    for path in ("grader", "nbgrader"):
        assert all(v.startswith("Нет ответа") for v in gradebook_verdicts(courses[path])["blank"].values()), path


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=40))
def test_a_text_reaches_a_terminal_with_every_character_but_a_newline_that_is_not_printable_shown(text):
    from grader.client import printable

    shown = printable(text)
    assert shown.replace("\n", "").isprintable()
    assert shown == "".join(ch if ch == "\n" or ch.isprintable() else
                            "\\x{:02x}".format(ord(ch)) if ord(ch) < 256 else "\\u{:04x}".format(ord(ch)) for ch in text)
    assert (shown == text) == text.replace("\n", "").isprintable()
