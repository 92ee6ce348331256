"""The shipped helpers: testCases reproduces every expected table, dnn_utils is right."""

import contextlib
import io
import json
import sys

import numpy as np
import pytest

from course import ASSIGNMENT, REPO, SOURCE_NB, read
from lab_seed import TEST_CASE_INPUTS

import reference_solution as ref

sys.path.insert(0, str(REPO / "source" / ASSIGNMENT))
import dnn_utils  # noqa: E402
import testCases  # noqa: E402

from grader.checks.graded_functions import NAMES  # noqa: E402


def _call_cells_and_tables():
    """(function, call cell source, expected-output markdown) for each graded function."""
    cells = read(SOURCE_NB).cells
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells]
    for name in NAMES:
        i = ids.index(name)
        after = cells[i + 3:]  # answer, call, test, then the expected-output markdown
        end = next((k for k, c in enumerate(after) if c.cell_type == "code"), len(after))
        yield name, cells[i + 1].source, "\n".join(c.source for c in after[:end])


def _fold(text):
    return " ".join(text.split())


def _printed_values(output):
    """Values of the ``label = value`` lines a call cell prints (values may span lines)."""
    values = []
    for line in output.split("\n"):
        if " = " in line:
            values.append(line.split(" = ", 1)[1])
        elif line.startswith(" [") and values:
            values[-1] += " " + line
    return [_fold(v) for v in values]


@pytest.mark.parametrize("name,call_cell,table", list(_call_cells_and_tables()), ids=list(NAMES))
def test_call_cell_prints_exactly_the_expected_table(name, call_cell, table):
    namespace = {"np": np}
    namespace.update({k: v for k, v in vars(testCases).items() if k.endswith("_test_case")})
    namespace.update({k: getattr(ref, k) for k in ref.__all__})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(call_cell, namespace)
    values = _printed_values(out.getvalue())
    assert len(values) >= 1
    for value in values:
        assert value in _fold(table), "{}: printed {!r} is not in the expected table".format(name, value)


def test_public_tests_pass_for_the_reference_and_say_so_in_russian():
    for name in NAMES:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            testCases.public_test(name, getattr(ref, name))
        assert "✘" not in out.getvalue() and "пройдена" in out.getvalue(), out.getvalue()


def test_public_test_prints_then_fails_the_cell_naming_the_function():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(testCases.PublicTestFailed) as wrong:
        testCases.public_test("linear_forward", lambda A, W, b: (np.dot(W, A), (A, W, b)))
    with contextlib.redirect_stdout(out), pytest.raises(testCases.PublicTestFailed) as crashing:
        testCases.public_test("compute_cost", lambda AL, Y: 1 / 0)
    text = out.getvalue()
    assert text.count("✘") == 2 and "ZeroDivisionError" in text and "ожидалось" in text
    assert str(wrong.value).startswith("linear_forward: не совпадает") and "Z" in str(wrong.value)
    assert str(crashing.value).startswith("compute_cost: вызов завершился ошибкой ZeroDivisionError")
    assert isinstance(wrong.value, AssertionError)  # a failed check, as nbgrader validate counts it


def test_a_function_whose_public_result_depends_on_helpers_names_them_first():
    def mine(A_prev, W, b, activation):  # as if its own linear_forward were wrong
        return ref.linear_activation_forward(A_prev, W, 2 * b, activation)

    with contextlib.redirect_stdout(io.StringIO()):
        testCases.public_test("linear_forward", ref.linear_forward)  # passed: the mistake is its own
        with pytest.raises(testCases.PublicTestFailed) as own:
            testCases.public_test("linear_activation_forward", mine)
        with pytest.raises(testCases.PublicTestFailed):
            testCases.public_test("linear_forward", lambda A, W, b: (np.dot(W, A), (A, W, b)))
        with pytest.raises(testCases.PublicTestFailed) as first:
            testCases.public_test("linear_activation_forward", mine)
        testCases.public_test("linear_forward", ref.linear_forward)  # fixed: forgotten again
    assert "ошибка в самой linear_activation_forward" in str(own.value) and "сначала" not in str(own.value)
    assert "Исправьте сначала linear_forward" in str(first.value)


def test_nbgrader_validate_shows_each_mistake_whole_and_what_to_fix_first(tmp_path):
    """nbgrader validate cuts lines at 90 characters and shows tracebacks: ours are short lines, no traceback."""
    import shutil

    import nbformat

    from course import RELEASE_NB, answer_cells, nbgrader, solved_submission, with_answers

    nb = solved_submission()
    wrong = answer_cells(nb)["linear_forward"].source.replace("np.dot(W, A)", "2 * np.dot(W, A)")
    nbformat.write(with_answers(nb, {"linear_forward": wrong}), str(tmp_path / "mine.ipynb"))
    for helper in ("testCases.py", "dnn_utils.py"):
        shutil.copy(RELEASE_NB.parent / helper, tmp_path / helper)
    run = nbgrader(tmp_path, "validate", "mine.ipynb", check=False, timeout=600)
    shown = run.stdout.split("VALIDATION FAILED")[1]
    assert "Traceback" not in shown and "testCases.py" not in shown, shown
    errors = [part.split("The error was:")[1] for part in shown.split("The following cell failed:")[1:]]
    assert len(errors) == 3, shown  # linear_forward and the two that call it
    assert "Исправьте linear_forward." in errors[0]
    assert all("Исправьте сначала" in e and "linear_forward:" in " ".join(e.split()) for e in errors[1:]), errors
    assert max(len(line) for e in errors for line in e.splitlines()) <= 90


def test_the_shipped_helper_graph_is_the_graders():
    from grader.checks.graded_functions import SPECS

    assert testCases.USES == {spec.name: spec.helpers for spec in SPECS if spec.helpers}


def test_test_cases_are_well_formed():
    parameters, grads = testCases.update_parameters_test_case()
    for key, value in parameters.items():
        assert grads["d" + key].shape == value.shape, key
        if key.startswith("b"):
            assert value.shape[1] == 1
    A, W, b = testCases.linear_forward_test_case()
    assert b.shape == (W.shape[0], 1)
    _, (linear_cache, Z) = testCases.linear_activation_backward_test_case()
    assert linear_cache[2].shape == (1, 1) and Z.shape == (1, 2)
    X, Y, AL, caches = testCases.L_model_backward_test_case()
    (A_prev, W1, b1), Z1 = caches[0]
    assert A_prev.shape == X.shape and b1.shape == (1, 1) and Z1.shape == AL.shape


def _as_recovered(recovered, shipped):
    """``shipped`` holds ``recovered``'s values; a recovered array or number may broadcast to the shipped shape."""
    if isinstance(recovered, dict) and "array" not in recovered:
        return isinstance(shipped, dict) and set(shipped) == set(recovered) and \
            all(_as_recovered(recovered[k], shipped[k]) for k in recovered)
    if isinstance(recovered, list):
        return isinstance(shipped, (list, tuple)) and len(shipped) == len(recovered) and \
            all(_as_recovered(r, s) for r, s in zip(recovered, shipped))
    value, shipped = np.asarray(recovered["array"] if isinstance(recovered, dict) else recovered), np.asarray(shipped)
    try:
        return np.array_equal(np.broadcast_to(value, shipped.shape), shipped)
    except ValueError:  # shapes that do not broadcast
        return False


def test_test_cases_return_the_inputs_recovered_from_the_labs_tables():
    """Each shipped ``*_test_case`` gives the lab's inputs (tests/data), made well-formed where they only broadcast."""
    recovered = json.loads(TEST_CASE_INPUTS.read_text(encoding="utf-8"))
    assert len(recovered) == 8
    for name, entry in recovered.items():
        shipped = getattr(testCases, name)()
        assert len(entry["returns"]) == len(shipped), name
        assert _as_recovered(entry["values"], shipped), name


def test_test_cases_return_fresh_arrays():
    first = testCases.linear_forward_test_case()
    first[0][0, 0] = 99.0
    assert testCases.linear_forward_test_case()[0][0, 0] != 99.0


def test_dnn_utils_agree_with_the_reference():
    Z = np.random.default_rng(0).normal(size=(4, 6)) * 3
    dA = np.random.default_rng(1).normal(size=(4, 6))
    for name in ("sigmoid", "relu"):
        mine, cache = getattr(dnn_utils, name)(Z)
        assert np.allclose(mine, getattr(ref, name)(Z)[0]) and cache is Z
    for name in ("sigmoid_backward", "relu_backward"):
        assert np.allclose(getattr(dnn_utils, name)(dA, Z), getattr(ref, name)(dA, Z))


def test_the_graders_public_cases_are_the_shipped_test_cases():
    """testCases.py (shipped) and grader/functions.py (hidden) hold the same public inputs."""
    from grader.checks.graded_functions import BY_NAME
    from grader.checks.judge import same

    shipped = {
        "initialize_parameters": (3, 2, 1),
        "initialize_parameters_deep": ([5, 4, 3],),
        "linear_forward": testCases.linear_forward_test_case(),
        "linear_activation_forward": testCases.linear_activation_forward_test_case(),
        "L_model_forward": testCases.L_model_forward_test_case(),
        "compute_cost": testCases.compute_cost_test_case()[::-1],
        "linear_backward": testCases.linear_backward_test_case(),
        "linear_activation_backward": testCases.linear_activation_backward_test_case(),
        "update_parameters": testCases.update_parameters_test_case() + (0.1,),
    }
    _, Y, AL, caches = testCases.L_model_backward_test_case()
    shipped["L_model_backward"] = (AL, Y, caches)
    for name in NAMES:
        public = [c for c in BY_NAME[name].build_cases() if c.public]
        assert public, name
        for case in public:
            assert same(tuple(case.args), tuple(shipped[name])), name
