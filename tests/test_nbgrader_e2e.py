"""The course end to end with real ``nbgrader autograde`` and a real sqlite gradebook."""

import nbformat
import pytest

from corpus import Mistake, solved_sources
from course import (ASSIGNMENT, RELEASE_NB, generated_course, gradebook_scores, nbgrader, read,
                    solved_submission, submit, with_answers)

from grader.checks.graded_functions import BY_NAME, NAMES

# One mistake per function that costs the whole function (every part).
BREAKS = {
    "initialize_parameters": Mistake("initialize_parameters", "scale", "0.1 instead of 0.01",
                                     "* 0.01", "* 0.1"),
    "initialize_parameters_deep": Mistake("initialize_parameters_deep", "ones", "biases of ones",
                                          "np.zeros((layer_dims[l], 1))", "np.ones((layer_dims[l], 1))"),
    "linear_forward": Mistake("linear_forward", "no-bias", "bias forgotten", "np.dot(W, A) + b", "np.dot(W, A)"),
    "linear_activation_forward": Mistake("linear_activation_forward", "no-bias", "bias dropped",
                                         "linear_forward(A_prev, W, b)", "linear_forward(A_prev, W, 0 * b)"),
    "L_model_forward": Mistake("L_model_forward", "all-sigmoid", "sigmoid in hidden layers",
                               'activation="relu"', 'activation="sigmoid"'),
    "compute_cost": Mistake("compute_cost", "log-al", "log(AL) in the y=0 term",
                            "(1 - Y) * np.log(1 - AL)", "(1 - Y) * np.log(AL)"),
    "linear_backward": Mistake("linear_backward", "db-no-m", "db without 1/m",
                               "np.sum(dZ, axis=1, keepdims=True) / m", "np.sum(dZ, axis=1, keepdims=True)"),
    "linear_activation_backward": Mistake("linear_activation_backward", "no-derivative",
                                          "activation derivative skipped",
                                          "linear_backward(dZ, linear_cache)", "linear_backward(dA, linear_cache)"),
    "L_model_backward": Mistake("L_model_backward", "dAL-sign", "dAL sign flipped",
                                "dAL = - (np.divide", "dAL = (np.divide"),
    "update_parameters": Mistake("update_parameters", "plus", "gradient ascent on b",
                                 '- learning_rate * grads["db"', '+ learning_rate * grads["db"'),
}
WARNING_LINE = "    _ = np.exp(np.array([1000.0]))  # a numpy RuntimeWarning on stderr\n"


def _broken(name):
    sources = solved_sources()
    return with_answers(solved_submission(), {name: BREAKS[name].cell_source(sources)})


def _without_cell(nb, grade_id):
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def _with_test_cell(nb, grade_id, source):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


def _warning_submission():
    source = solved_sources()["L_model_forward"].replace("    caches = []\n", WARNING_LINE + "    caches = []\n")
    return with_answers(solved_submission(), {"L_model_forward": source})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = generated_course(tmp_path_factory.mktemp("nbgrader_course"), "c.SealedExecute.timeout = 3")
    submit(course, "solved", solved_submission())
    submit(course, "blank", read(RELEASE_NB))
    for name in NAMES:
        submit(course, "broken-" + name, _broken(name))
    broken_lf = _broken("linear_forward")
    submit(course, "deleted-test", _without_cell(broken_lf, "test_linear_forward"))
    submit(course, "edited-test", _with_test_cell(broken_lf, "test_linear_forward", "pass"))
    submit(course, "numpy-warning", _warning_submission())
    runaway = solved_sources()["update_parameters"].replace("    L = len(parameters) // 2", "    while True:\n        pass")
    submit(course, "runaway", with_answers(solved_submission(), {"update_parameters": runaway}))
    nbgrader(course, "autograde", ASSIGNMENT)
    return gradebook_scores(course)


def _tests(scores):
    return {k[len("test_"):]: v for k, v in scores.items() if k.startswith("test_")}


def test_the_solved_source_scores_100(graded):
    assert _tests(graded["solved"]) == {n: BY_NAME[n].points for n in NAMES}


def test_the_untouched_release_scores_0(graded):
    assert sum(graded["blank"].values()) == 0
    assert len(_tests(graded["blank"])) == 10


@pytest.mark.parametrize("name", NAMES)
def test_a_mistake_costs_its_own_function_only(graded, name):
    scores = _tests(graded["broken-" + name])
    expected = {n: (0 if n == name else BY_NAME[n].points) for n in NAMES}
    assert scores == expected


@pytest.mark.parametrize("student", ["deleted-test", "edited-test"])
def test_tampering_with_a_test_cell_gains_nothing(graded, student):
    assert graded[student] == graded["broken-linear_forward"]


def test_a_numpy_warning_does_not_zero_a_passing_test_cell(graded):
    assert _tests(graded["numpy-warning"]) == _tests(graded["solved"])


def test_a_runaway_cell_times_out_and_costs_only_its_function(graded):
    assert _tests(graded["runaway"]) == dict(_tests(graded["solved"]), update_parameters=0)
