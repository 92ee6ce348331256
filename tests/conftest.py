"""Shared fixtures: the mutation corpus graded once by each batch path for the whole session.

``grader autograde`` grades the whole corpus; ``nbgrader autograde`` (the sealed engine behind nbgrader's
own steps, the same checks) grades a sample that holds every way the corpus fails a function.
"""

import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import solved_sources  # noqa: E402
from corpus.correct import CORRECT_STYLES  # noqa: E402
from corpus.mistakes import MISTAKES  # noqa: E402
from course import (ASSIGNMENT, NOTEBOOK, REPO, generated_course, gradebook_scores, gradebook_verdicts,  # noqa: E402
                    grader_cli, nbgrader, solved_submission, submit, with_answers)


# Under pytest-xdist (the README's test command: -n 3) a module's tests stay on one worker, so a
# module's fixtures -- a course, a server, OS users -- are built once. These modules share one
# worker: they share the session's graded corpus, and test_seal leaves deliberate orphans behind
# (its layer-off controls) that the others' process census would count.
SHARED_WORKER = {"test_corpus", "test_engine", "test_sealed_nbgrader", "test_seal"}


# The scopes that take longest (the graded corpus and the seal; the resubmission policies, each a course
# graded late and again on both paths; a Dask cluster with PostgreSQL; servers; hubs of OS users), longest
# first (as measured in a whole run), begin first: one begun last would keep its worker busy while the other
# has nothing left. The rest follow, most tests first.
LONGEST_FIRST = ("shared-worker", "test_resubmission", "test_interrupted_grading", "test_cluster",
                 "test_trusted_side", "test_service", "test_service_faults", "test_stale_course_config",
                 "test_robustness", "test_collect_snapshot", "test_hub", "test_check_course_trust",
                 "test_service_fairness", "test_outputs", "test_regrading", "test_exchange_round_trip",
                 "test_similarity", "test_term", "test_messages")


def _scope(nodeid):
    """The group of a test: its module's name, or "shared-worker"."""
    module = Path(nodeid.split("::", 1)[0]).stem
    return "shared-worker" if module in SHARED_WORKER else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduling with a module, or the shared group above, as the scope, in collection order.

    (Not ``--dist loadgroup``: its group marks are lost on pytest 9, whose node ids ignore them.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _scope(nodeid)

    config.option.loadscopereorder = False  # the order is the collection's, made below
    return ByModule(config, log)


def pytest_collection_modifyitems(config, items):
    """On an xdist worker: the longest scopes first, then the others by number of tests (tests keep their
    order within a scope)."""
    if not hasattr(config, "workerinput"):
        return
    count, rank = Counter(_scope(item.nodeid) for item in items), {s: i for i, s in enumerate(LONGEST_FIRST)}

    def order(item):
        scope = _scope(item.nodeid)
        return rank.get(scope, len(rank)), -count[scope], scope

    items.sort(key=order)


def pytest_addoption(parser):
    parser.addoption("--fuzz-examples", type=int, default=120,
                     help="examples of the notebook fuzz test (tests/test_fuzz.py); more for a longer run")


def corpus_submissions():
    """{student id: notebook} for every mistake and every correct style of the corpus."""
    base, solved = solved_submission(), solved_sources()
    out = {"mistake-" + m.id: with_answers(base, {m.function: m.cell_source(solved)}) for m in MISTAKES}
    out.update({"correct-" + style: with_answers(base, sources) for style, sources in CORRECT_STYLES.items()})
    return out


# Correct styles in the sample: a vectorised one, one reaching helpers through aliases and tables, one
# with helpers of its own.
SAMPLED_STYLES = ("einsum", "top_level_names", "own_helpers")


def _way_of_failing(mistake, solved):
    """(function, its status, whether a part still scores): how ``mistake`` fails, checked in this process."""
    from inprocess import namespace_of

    from grader.checks.inprocess import check_function

    function = namespace_of(dict(solved, **{mistake.function: mistake.cell_source(solved)})).get(mistake.function)
    result = check_function(mistake.function, function)
    return mistake.function, result.status, result.score > 0


def corpus_sample():
    """Student ids of the corpus's sample: the first mistake of each way of failing each function, and
    three correct styles."""
    solved, first = solved_sources(), {}
    for mistake in MISTAKES:
        first.setdefault(_way_of_failing(mistake, solved), "mistake-" + mistake.id)
    return sorted(first.values()) + ["correct-" + style for style in SAMPLED_STYLES]


def _graded_corpus(root, grade, students=None):
    """A course with the corpus (or its ``students``) submitted and graded by ``grade``: the course, scores
    and verdicts."""
    course = generated_course(root)
    for student, notebook in corpus_submissions().items():
        if students is None or student in students:
            submit(course, student, notebook)
    grade(course)
    scores = {student: {k[len("test_"):]: v for k, v in cells.items() if k.startswith("test_")}
              for student, cells in gradebook_scores(course).items()}
    return SimpleNamespace(course=course, scores=scores, verdicts=gradebook_verdicts(course))


@pytest.fixture(scope="session")
def nbgrader_corpus(tmp_path_factory):
    """The corpus's sample autograded by ``nbgrader autograde`` (the sealed engine, through nbgrader's steps)."""
    return _graded_corpus(tmp_path_factory.mktemp("nbgrader_corpus"),
                          lambda course: nbgrader(course, "autograde", ASSIGNMENT), corpus_sample())


@pytest.fixture(scope="session")
def grader_corpus(tmp_path_factory):
    """The whole corpus autograded by ``grader autograde``."""
    def grade(course):
        proc = grader_cli(course, "autograde")
        assert proc.returncode == 0, proc.stderr
    return _graded_corpus(tmp_path_factory.mktemp("grader_corpus"), grade)


def engine_results(submitted, students, limits=None):
    """What ``grader check`` gives each student's submitted notebook: {student: SubmissionResult}."""
    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox.engine import grade_notebook
    from grader.sandbox.session import Limits
    from grader.sandbox.zygote import Zygote

    with Zygote(lab_context(lab_folder(REPO))) as zygote:
        return {s: grade_notebook(Path(submitted) / s / ASSIGNMENT / NOTEBOOK, zygote, limits or Limits())
                for s in students}


@pytest.fixture(scope="session")
def engine_corpus(grader_corpus):
    """The engine's results for every notebook of the whole corpus (graded once for the session)."""
    return engine_results(Path(grader_corpus.course) / "submitted", sorted(grader_corpus.scores))
