"""The mutation corpus: every mistake costs its own function only; every right answer scores 100."""

import numpy as np
import pytest

from conftest import corpus_sample, corpus_submissions
from corpus import solved_sources
from corpus.correct import CORRECT_STYLES
from corpus.mistakes import MISTAKES
from inprocess import namespace_of, scores_of
from grader.checks.inprocess import check_function

from grader.plain.codec import decode
from grader.checks.graded_functions import BY_NAME, NAMES
from grader.plain.calls import call, isolate
from grader.checks.reference import cases_for, helper_replacements

SOLVED = solved_sources()
FULL = {name: float(BY_NAME[name].points) for name in NAMES}


def mistaken_sources(mistake):
    return dict(SOLVED, **{mistake.function: mistake.cell_source(SOLVED)})


def test_the_corpus_is_big_and_covers_every_function():
    assert len(MISTAKES) >= 60
    assert len({m.id for m in MISTAKES}) == len(MISTAKES)
    for name in NAMES:
        assert sum(m.function == name for m in MISTAKES) >= 4, name
    assert len(CORRECT_STYLES) >= 10
    assert all(set(style) == set(NAMES) for style in CORRECT_STYLES.values())


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_a_mistake_loses_points_in_its_own_function_only(mistake):
    scores = scores_of(mistaken_sources(mistake))
    assert scores[mistake.function] < FULL[mistake.function]
    assert {n: s for n, s in scores.items() if n != mistake.function} == \
        {n: s for n, s in FULL.items() if n != mistake.function}


def _loosely_equal(expected, actual):
    """Equal at a tolerance far looser than the grader's (so a 'mistake' is no rounding matter)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and set(actual) == set(expected) and \
            all(_loosely_equal(expected[k], actual[k]) for k in expected)
    if isinstance(expected, (tuple, list)):
        return isinstance(actual, (tuple, list)) and len(actual) == len(expected) and \
            all(_loosely_equal(e, a) for e, a in zip(expected, actual))
    try:
        a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=1e-3, atol=1e-6))


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_a_mistake_really_differs_from_the_reference_on_some_input(mistake):
    function = namespace_of(mistaken_sources(mistake))[mistake.function]
    isolated = isolate(function, helper_replacements(mistake.function))
    differs = []
    for case, expected in cases_for(mistake.function):
        outcome = call(isolated, case.args, case.kwargs)
        args_changed = not outcome.error and not all(
            _loosely_equal(before, after) for i, (before, after)
            in enumerate(zip(case.args, decode(outcome.args_after))) if i not in case.mutable)
        differs.append(bool(outcome.error) or args_changed or not _loosely_equal(expected, decode(outcome.value)))
    assert any(differs)


@pytest.mark.parametrize("style", sorted(CORRECT_STYLES))
def test_a_correct_implementation_scores_100(style):
    assert scores_of(CORRECT_STYLES[style]) == FULL


def test_grading_is_deterministic():
    sources = mistaken_sources(MISTAKES[len(MISTAKES) // 2])
    first = [scores_of(sources) for _ in range(3)]
    assert first[0] == first[1] == first[2]


# --- the same corpus through the batch paths: `grader autograde`, and `nbgrader autograde` on a sample ---

def test_nbgrader_autograde_grades_the_corpus_like_the_checks(nbgrader_corpus, grader_corpus):
    assert sorted(grader_corpus.scores) == sorted(corpus_submissions())
    assert sorted(nbgrader_corpus.scores) == sorted(corpus_sample())
    for style, sources in CORRECT_STYLES.items():
        assert grader_corpus.scores["correct-" + style] == FULL, style
    for mistake in MISTAKES:
        got = grader_corpus.scores["mistake-" + mistake.id]
        assert got[mistake.function] < FULL[mistake.function], mistake.id
        assert got == scores_of(mistaken_sources(mistake)), mistake.id
    for student, got in nbgrader_corpus.scores.items():
        assert got == grader_corpus.scores[student], student


def broken_top_level_names():
    """The top-level-names style with slips in two helpers its callers reach through an alias and a table."""
    style = dict(CORRECT_STYLES["top_level_names"])
    style["linear_activation_forward"] = style["linear_activation_forward"].replace(
        "FORWARD[activation](Z)", "FORWARD[activation](2 * Z)")
    style["linear_backward"] = style["linear_backward"].replace("dA_prev = np.dot(W.T, dZ)",
                                                                "dA_prev = np.dot(W.T, dZ) / m")
    return style, dict(FULL, linear_activation_forward=0.0, linear_backward=0.0)


def test_aliases_and_tables_of_graded_helpers_are_served_as_the_reference():
    sources, expected = broken_top_level_names()
    assert scores_of(sources) == expected


def test_a_verdict_shows_values_for_the_labs_example_only_never_for_a_hidden_case():
    """Expected values of hidden cases never reach a student (feedback, the service, grader check)."""
    shown = 0
    for mistake in MISTAKES:
        namespace = namespace_of(mistaken_sources(mistake))
        result = check_function(mistake.function, namespace.get(mistake.function))
        for case in result.cases:
            if case.passed:
                continue
            values = "\n  ожидалось: " in case.message  # the value block compare() writes under a mismatch
            if case.public:
                shown += values
            else:
                assert not values, (mistake.id, case)
    assert shown > 10  # the lab's own example still shows what was expected and what came
