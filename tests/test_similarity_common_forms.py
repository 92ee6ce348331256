"""A small class: a function two students wrote in a common form is no evidence that one copied.

With a dozen documents, rarity is measured as if there were twenty, and code
only two hold looks rare: on real public solutions, two independent students
who each wrote ``update_parameters`` counting layers from 1 (or reached the
last layer of ``L_model_forward`` through the loop's variable) were flagged
on that one function. The common forms of ``grader/similarity/forms/`` weigh
like the course's solution, so that coincidence is discounted, while a copy in
the same class is still flagged.
"""

import io

import pytest

from course import copy_course, solved_submission, submit, with_answers
from grader.checks.graded_functions import NAMES
from grader.similarity import THRESHOLD
from grader.similarity.known_forms import known_forms
from grader.similarity.run import compare
from similarity_corpus import marked, styles
from similarity_corpus.disguises import disguise

# Two students' own words for the same common forms: layers counted from 1 and stored back into
# ``parameters``; the last layer reached through the loop's variable after the loop.
IDIOMS = {
    "idiom-1": {
        "update_parameters": '''def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters
''',
        "L_model_forward": '''def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)],
                                             activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(l + 1)], parameters["b" + str(l + 1)],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches
'''},
    "idiom-2": {
        "update_parameters": '''def update_parameters(parameters, grads, learning_rate):
    layers = len(parameters) // 2   # W and b per layer
    for k in range(1, layers + 1):
        step_w, step_b = grads["dW" + str(k)], grads["db" + str(k)]
        parameters["W" + str(k)] -= learning_rate * step_w
        parameters["b" + str(k)] -= learning_rate * step_b
    return parameters
''',
        "L_model_forward": '''def L_model_forward(X, parameters):
    n = len(parameters) // 2
    out = X
    caches = []
    for i in range(1, n):
        out, c = linear_activation_forward(out, parameters["W" + str(i)], parameters["b" + str(i)], "relu")
        caches.append(c)
    AL, c = linear_activation_forward(out, parameters["W" + str(i + 1)], parameters["b" + str(i + 1)], "sigmoid")
    caches.append(c)
    return AL, caches
'''}}
OWN = {"idiom-1": "loops_d", "idiom-2": "routines_e"}  # each writes the other eight functions in a style of their own
COPIED = "recursive_f"  # a classmate copied whole, every variable renamed


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """{frozenset pair of ids: score} of a class of nine: the two idiom students, an origin and its copy, five others."""
    course = copy_course(tmp_path_factory.mktemp("small") / "course")
    base, written = solved_submission(), styles()
    students = {who: dict(written[style], **{n: marked(n, code) for n, code in IDIOMS[who].items()})
                for who, style in OWN.items()}
    students["origin"] = written[COPIED]
    students["copy"] = {n: disguise(c, "rename", n) for n, c in written[COPIED].items()}
    for style in sorted(set(written) - set(OWN.values()) - {COPIED}):
        students["style-" + style] = written[style]
    for who, answers in students.items():
        submit(course, who, with_answers(base, answers))
    comparison = compare(course, workers=1, run_missing=False, stream=io.StringIO())
    ids = [d.id for d in comparison.documents]
    assert len(ids) == 9
    return {frozenset((ids[a], ids[b])): float(s) for (a, b), s in zip(comparison.scores.pairs,
                                                                         comparison.scores.score)}


def test_two_students_sharing_only_common_forms_are_not_flagged_in_a_small_class(small_class):
    assert small_class.get(frozenset(("idiom-1", "idiom-2")), 0.0) < THRESHOLD / 2


def test_a_copy_in_the_same_small_class_is_still_flagged(small_class):
    flagged = {pair for pair, score in small_class.items() if score >= THRESHOLD}
    assert flagged == {frozenset(("origin", "copy"))}


def test_every_form_is_read_and_every_graded_function_has_one():
    """A form that stopped parsing (or lost its name) would silently stop discounting anything."""
    forms = known_forms()
    assert sorted(forms) == sorted(NAMES) and all(len(hashes) for hashes in forms.values())


def test_the_forms_are_installed_with_the_package():
    """An installed grader without them would weigh every common form as rare again."""
    import tomllib
    from pathlib import Path

    from grader.similarity.known_forms import FORMS

    data = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "forms/*.py" in data["tool"]["setuptools"]["package-data"]["grader.similarity"]
    assert sorted(FORMS.glob("*.py"))
