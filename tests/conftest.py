"""Shared fixtures: the mutation corpus graded once by each batch path for the whole session."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import solved_sources  # noqa: E402
from corpus.correct import CORRECT_STYLES  # noqa: E402
from corpus.mistakes import MISTAKES  # noqa: E402
from course import (ASSIGNMENT, generated_course, gradebook_scores, gradebook_verdicts, grader_cli,  # noqa: E402
                    nbgrader, solved_submission, submit, with_answers)


def pytest_addoption(parser):
    parser.addoption("--fuzz-examples", type=int, default=120,
                     help="examples of the notebook fuzz test (tests/test_fuzz.py); more for a longer run")


def corpus_submissions():
    """{student id: notebook} for every mistake and every correct style of the corpus."""
    base, solved = solved_submission(), solved_sources()
    out = {"mistake-" + m.id: with_answers(base, {m.function: m.cell_source(solved)}) for m in MISTAKES}
    out.update({"correct-" + style: with_answers(base, sources) for style, sources in CORRECT_STYLES.items()})
    return out


def _graded_corpus(root, grade):
    """A course with the corpus submitted and graded by ``grade``: the course, scores and verdicts."""
    course = generated_course(root)
    for student, notebook in corpus_submissions().items():
        submit(course, student, notebook)
    grade(course)
    scores = {student: {k[len("test_"):]: v for k, v in cells.items() if k.startswith("test_")}
              for student, cells in gradebook_scores(course).items()}
    return SimpleNamespace(course=course, scores=scores, verdicts=gradebook_verdicts(course))


@pytest.fixture(scope="session")
def nbgrader_corpus(tmp_path_factory):
    """The corpus autograded by ``nbgrader autograde`` (the sealed engine, through nbgrader's steps)."""
    return _graded_corpus(tmp_path_factory.mktemp("nbgrader_corpus"),
                          lambda course: nbgrader(course, "autograde", ASSIGNMENT))


@pytest.fixture(scope="session")
def grader_corpus(tmp_path_factory):
    """The corpus autograded by ``grader autograde``."""
    def grade(course):
        proc = grader_cli(course, "autograde")
        assert proc.returncode == 0, proc.stderr
    return _graded_corpus(tmp_path_factory.mktemp("grader_corpus"), grade)
