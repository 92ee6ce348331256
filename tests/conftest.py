"""Shared fixtures: the mutation corpus graded once by real nbgrader for the whole session."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import solved_sources  # noqa: E402
from corpus.correct import CORRECT_STYLES  # noqa: E402
from corpus.mistakes import MISTAKES  # noqa: E402
from course import (ASSIGNMENT, copy_course, gradebook_scores, nbgrader, solved_submission,  # noqa: E402
                    submit, with_answers)


def corpus_submissions():
    """{student id: notebook} for every mistake and every correct style of the corpus."""
    base, solved = solved_submission(), solved_sources()
    out = {"mistake-" + m.id: with_answers(base, {m.function: m.cell_source(solved)}) for m in MISTAKES}
    out.update({"correct-" + style: with_answers(base, sources) for style, sources in CORRECT_STYLES.items()})
    return out


@pytest.fixture(scope="session")
def nbgrader_corpus(tmp_path_factory):
    """The corpus autograded by ``nbgrader autograde``: the course and {student: {function: score}}."""
    course = copy_course(tmp_path_factory.mktemp("corpus_course"))
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for student, notebook in corpus_submissions().items():
        submit(course, student, notebook)
    nbgrader(course, "autograde", ASSIGNMENT)
    scores = {student: {k[len("test_"):]: v for k, v in cells.items() if k.startswith("test_")}
              for student, cells in gradebook_scores(course).items()}
    return SimpleNamespace(course=course, scores=scores)
