"""The engine's shortcuts grade exactly as the long way: known helper replies, exact right answers."""

import base64
import copy
import json

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks.graded_functions import BY_NAME, NAMES
from grader.checks.judge import judge_case, judge_exactly_right, right_answer
from grader.checks.reference import cases_for, helper_params, helper_reply, known_replies
from grader.plain.calls import call_key, isolate, lock_reply, unlock_reply
from grader.plain.codec import MAX_ELEMENTS, UnsupportedValue, decode, encode, fingerprint, identical
from grader.plain.outcome import Outcome


def reference_calls(name):
    """[(helper, encoded args)] the reference of ``name`` makes on its cases, recorded from outside."""
    from grader.checks import reference

    calls = []
    recorders = {helper: (lambda helper: lambda *args, **kwargs: calls.append((helper, copy.deepcopy(list(args)))) or
                          getattr(reference.ref, helper)(*args, **kwargs))(helper)
                 for helper in reference.helper_params(name)}
    function = isolate(getattr(reference.ref, name), recorders)
    for case, _ in cases_for(name):
        function(*decode(encode(list(case.args))), **decode(encode(case.kwargs)))
    return calls


def test_a_known_reply_opens_only_for_its_call_and_is_the_reply_the_grader_gives_when_asked():
    checked = 0
    for name in NAMES:
        known = known_replies(name)
        for helper, args in reference_calls(name):
            key = call_key(args, {}, helper_params(name)[helper])
            assert unlock_reply(known[helper], key) == helper_reply(helper, encode(args), encode({}))
            as_a_child_passes_them = decode(encode(args))  # float64 for float32, lists for tuples kept, ...
            assert call_key(as_a_child_passes_them, {}, helper_params(name)[helper]) == key
            checked += 1
        for replies in known.values():  # nothing readable: hashes and locked bytes
            assert all(len(lookup) == 64 and int(lookup, 16) >= 0 for lookup in replies)
            assert not any("array" in base64.b64decode(locked).decode("latin-1") for locked in replies.values())
    assert checked > 40  # the forward and backward chains' helpers are all there


def test_a_locked_reply_tells_nothing_without_its_exact_call():
    key = call_key([np.arange(3.0)], {}, ("Z",))
    lookup, locked = lock_reply(key, {"value": encode(np.arange(3.0))})
    assert unlock_reply({lookup: locked}, key) == {"value": encode(np.arange(3.0))}
    other = call_key([np.arange(3.0) + 1e-12], {}, ("Z",))
    assert unlock_reply({lookup: locked}, other) is None
    assert "AAAA" not in locked and key.hex() not in lookup and len(lookup) == 64


def test_keyword_and_positional_calls_share_a_key_and_partial_calls_have_none():
    params = ("A_prev", "W", "b", "activation")
    a, w, b = np.ones((2, 3)), np.ones((4, 2)), np.zeros((4, 1))

    def key(*args, **kwargs):  # as a child's helper proxy makes it
        return call_key(args, kwargs, params)

    positional = key(a, w, b, "relu")
    assert positional is not None
    assert key(a, w, b, activation="relu") == positional
    assert key(a, b=b, W=w, activation="relu") == positional
    assert key(a, w, b) is None
    assert key(a, w, b, other=1) is None
    assert key(a, w, b, "sigmoid") != positional
    assert key(w, a, b, "relu") != positional


def test_the_exact_right_answer_is_judged_as_the_long_way_judges_it():
    for name in NAMES:
        spec = BY_NAME[name]
        for case, expected in cases_for(name):
            right = right_answer(spec, case, expected)
            assert right is not None, (name, case.label)
            value, args, result = right
            assert judge_exactly_right(right, Outcome(value, args)) == \
                judge_case(spec, case, expected, Outcome(value, args)) == result
            assert result.passed


def test_anything_but_the_exact_right_answer_takes_the_long_way():
    spec = BY_NAME["compute_cost"]
    case, expected = cases_for("compute_cost")[0]
    right = right_answer(spec, case, expected)
    value, args, _ = right
    assert judge_exactly_right(right, Outcome(value, args, error="ValueError: x")) is None
    assert judge_exactly_right(right, Outcome(value, args, invalid="x")) is None
    assert judge_exactly_right(right, Outcome(encode(np.float64(1.0)), args)) is None
    assert judge_exactly_right(right, Outcome(value, [args[1], args[0]])) is None


def test_identical_tells_types_apart():
    assert identical([1, {"tuple": [2.5]}], [1, {"tuple": [2.5]}])
    assert not identical([1], [1.0])
    assert not identical([True], [1])
    assert not identical({"dict": {"a": 1}}, {"dict": {"a": 1.0}})
    assert not identical(float("nan"), float("nan"))
    assert identical(encode(np.arange(3.0)), encode(np.arange(3.0)))
    assert not identical(encode(np.arange(3.0)), encode(np.arange(3)))


def test_isolation_still_swaps_helpers_held_in_tables_and_aliases():
    def helper():
        return "student"

    def replacement():
        return "reference"

    namespace = {"helper": helper, "alias": helper, "table": {"k": (helper, 1)}, "data": {"x": [1, 2]},
                 "numbers": list(range(100))}
    exec("def f():\n    return helper(), alias(), table['k'][0](), data, numbers", namespace)
    isolated = isolate(namespace["f"], {"helper": replacement})
    result = isolated()
    assert result[:3] == ("reference",) * 3
    assert result[3] is namespace["data"] and result[4] is namespace["numbers"]  # untouched tables stay shared


def test_a_right_submission_asks_no_helper_and_one_that_computes_otherwise_still_gets_answers(tmp_path, monkeypatch):
    from course import REPO, solved_submission, with_answers
    import nbformat

    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox import session
    from grader.sandbox.engine import grade_notebook
    from grader.sandbox.zygote import Zygote

    asked = []
    answer = session.run_helper
    monkeypatch.setattr(session, "run_helper", lambda *call: asked.append(call[0]) or answer(*call))
    right, other = tmp_path / "right.ipynb", tmp_path / "other.ipynb"
    nbformat.write(solved_submission(), str(right))
    # Arguments passed by keyword, and a call the reference never makes: asked for, answered alike.
    other_source = '''def L_model_forward(X, parameters):
    caches = []
    first, _ = linear_activation_forward(X[:, :1], parameters["W1"], parameters["b1"], "relu")
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, W=parameters["W" + str(l)], b=parameters["b" + str(l)],
                                             activation="relu" if l < L else "sigmoid")
        caches.append(cache)
    return A, caches
'''
    nbformat.write(with_answers(solved_submission(), {"L_model_forward": other_source}), str(other))
    with Zygote(lab_context(lab_folder(REPO))) as zygote:
        results = [grade_notebook(path, zygote, session.Limits()) for path in (right, other)]
    assert [r.score for r in results] == [100.0, 100.0]
    assert set(asked) == {"linear_activation_forward"}
    # At most the extra call per case of L_model_forward (where X has one column, the reference makes it too).
    assert 0 < len(asked) <= 6


# --- the key a helper call is known by: exactly the encoding's distinctions ---------------------------

def _arrays():
    dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint16, np.bool_])
    return dtypes.flatmap(lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)))


def _values():
    leaves = (st.none() | st.booleans() | st.integers(-2 ** 60, 2 ** 60) | st.floats(allow_nan=True)
              | st.sampled_from([0.0, -0.0, 1.0, 2.0 ** 53, float("inf"), "\U0001f600", "\ud83d\ude00"])
              | st.text(alphabet=st.characters(exclude_categories=()), max_size=4) | _arrays()
              | _arrays().map(lambda a: a.reshape(-1)[0] if a.size else np.float64(0)))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
                        | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


def _same_encoding(a, b):
    def text(value):
        return json.dumps(encode(value), sort_keys=True)
    return text(a) == text(b)


@settings(max_examples=400, deadline=None)
@given(_values(), _values())
@example("\U0001f600", "\ud83d\ude00")  # one character, and its surrogate pair: one text in JSON
@example(-0.0, 0.0)
@example(2 ** 53, 2.0 ** 53)
def test_two_values_share_a_fingerprint_exactly_when_they_encode_alike(a, b):
    assert (fingerprint(a) == fingerprint(b)) == _same_encoding(a, b)
    assert fingerprint(decode(encode(a))) == fingerprint(a)  # the grader's values and a child's alike


@settings(max_examples=200, deadline=None)
@given(_values())
def test_a_value_the_codec_refuses_has_no_fingerprint(value):
    class Opaque:
        pass

    class PassesForEveryType(type):
        def __eq__(cls, other):
            return True

        __hash__ = type.__hash__

    class AlwaysEqual(metaclass=PassesForEveryType):
        def __eq__(self, other):
            return True

    for wrapped in ([value, Opaque()], {"k": value, 1: 2}, np.array(["text"]), np.zeros(MAX_ELEMENTS + 1),
                    [value, AlwaysEqual()]):
        with pytest.raises(UnsupportedValue):
            encode(wrapped)
        with pytest.raises(UnsupportedValue):
            fingerprint(wrapped)


def test_a_functions_cases_are_told_apart_by_their_labels_and_their_slips_are_made_once():
    from grader.checks.reference import slips_for

    for name in NAMES:
        cases = [case for case, _ in cases_for(name)]
        assert len({case.label for case in cases}) == len(cases), name
        for case in cases:
            assert slips_for(name, case) is slips_for(name, case)


def test_local_grading_processes_are_forked_with_the_cases_already_made_and_only_when_there_is_work():
    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox import engine
    from grader.sandbox.session import Limits
    from grader.workers.local import LocalWorkers
    from course import REPO

    from types import SimpleNamespace

    engine._prepared.cache_clear()
    with LocalWorkers(lab_context(lab_folder(REPO)), Limits(), workers=2) as workers:
        assert engine._prepared.cache_info().currsize == 0  # a run with nothing to grade makes nothing
        nowhere = SimpleNamespace(notebook=REPO / "no-such.ipynb", inside=REPO)
        [(_, result, _)] = workers.grade([nowhere])
        assert result.error and engine._prepared.cache_info().currsize == len(NAMES)
