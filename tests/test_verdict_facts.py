"""No verdict a student reads carries a hidden input or expected value, whatever the student's code does.

Hypothesis writes hostile answer cells: each takes a hidden value (an input's
first element or sum, or the right answer computed as the lab does), writes
it some way (repr, str, ``float.hex``, an integer of its digits, its bytes,
rounded) and sends it down some channel (an exception's text or class name,
a returned object's type name or ``__repr__``, dict keys, a string, bytes,
a warning, a print, a length, a shape, nested containers), on every call or
kept from a hidden case for a later one, the lab's own example included. A
compromised child's forged reports are judged too. No rendering of any
hidden value may appear in anything a student reads: the result's JSON, the
Russian of ``grader.client`` (table, verdicts, step summary), the feedback
page. The sealed engine is checked on a class of such cells.
"""

import html
import json
from dataclasses import replace
import re
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from corpus import solved_sources
from course import REPO, solved_submission, with_answers
from hostile import as_text
from inprocess import namespace_of

from grader import client
from grader.checks.facts import Shape
from grader.checks.graded_functions import BY_NAME
from grader.checks.inprocess import check_function
from grader.checks.judge import judge_case, judge_function, syntax_error
from grader.checks.reference import cases_for
from grader.checks.results import SubmissionResult
from grader.checks.verdicts import function_report
from grader.course.pages.feedback import render_page
from grader.course.base.lab_context import lab_context, lab_folder
from grader.plain.outcome import Outcome
from grader.sandbox.engine import grade_notebook
from grader.sandbox.session import Limits
from grader.sandbox.zygote import Zygote

ATTACKED = ("linear_forward", "linear_activation_forward", "compute_cost")  # in the order they are graded

# What the cell knows as a hidden value, per function: inputs, and the right answer (the expected output).
SECRETS = {
    "linear_forward": ("A[0, 0]", "float(A.sum())", "(np.dot(W, A) + b)[-1, -1]"),
    "linear_activation_forward": ("A_prev[0, 0]", "linear_forward(A_prev, W, b)[0][0, -1]",
                                  "(sigmoid if activation == 'sigmoid' else relu)"
                                  "(linear_forward(A_prev, W, b)[0])[0][-1, 0]"),
    "compute_cost": ("AL[0, -1]", "float(-np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))"),
}
SIGNATURES = {"linear_forward": "A, W, b", "linear_activation_forward": "A_prev, W, b, activation",
              "compute_cost": "AL, Y"}
# How the value is written (v: the float): each is among RENDERINGS below.
WRITINGS = ("repr(v)", "str(v)", "float.hex(float(v))", "str(int(v * 1e6))", "str(int(v * 1e9))",
            "'%.4f' % v", "struct.pack('<d', v).hex()", "repr(struct.pack('<d', v))", "str(K)")
# Where it goes (T: the text, K: a 4-digit integer of the value's digits, STASH: texts of earlier calls).
CHANNELS = (
    "raise ValueError(T)",
    "raise KeyError(T)",
    "raise IndexError('index ' + T + ' is out of bounds for axis 0 with size 3')",
    "raise ValueError('shapes (%d,1) and (1,%d) not aligned' % (K, K))",
    "raise ValueError('operands could not be broadcast together with shapes (%d,) (3,1) ' % K)",
    "raise type(T, (ValueError,), {})('x')",
    "raise type('E' + T.replace('-', '_'), (Exception,), {})()",
    "raise type('ValueError', (Exception,), {'__str__': lambda self: T})()",
    "return type(T, (), {})(), None",
    "return type('R', (), {'__repr__': lambda self: T, '__str__': lambda self: T})(), None",
    "return type('X' + T.replace('-', '_'), (float,), {})(1.0), None",
    "return {T: 1.0, 'W1': np.zeros((1, 1))}",
    "return {'W' + str(K): 1.0}",
    "return T",
    "return T.encode()",
    "return [[[{'k': T}]]], (T,)",
    "return int(v * 1e6), K",
    "return (0.0,) * K",
    "return np.zeros((K,)), np.zeros((1, K))",
    "return np.array([T]), None",
    "return np.full((2, 2), v), np.full((1, 1), float(K))",
    "warnings.warn(T); return None",
    "print(T); return None",
    "return {1: T}",
)


def renderings(value):
    """The ways a hidden value may be written: (substrings, integers that must not stand alone)."""
    v = float(value)
    texts = {repr(v), str(v), float.hex(v), struct.pack("<d", v).hex(), repr(struct.pack("<d", v))}
    if abs(v) >= 0.1:
        texts |= {"%.4f" % v, "%.5g" % v}
    numbers = {int(v * 10 ** k) for k in (4, 6, 9)} | {_four_digits(v)}
    return {t for t in texts if len(t) >= 5}, {abs(n) for n in numbers if abs(n) >= 1000}


def _four_digits(v):
    return int(abs(v) * 1e3) % 9000 + 1000  # the cell's K


def _leaves(value):
    """The arrays and floats in nested plain data."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (np.ndarray, float)):
            yield value


def _hidden_values(name):
    """Every float of the hidden cases of ``name``: inputs and expected outputs, and each array's sum."""
    found = []
    for value in _leaves([(case.args, expected) for case, expected in cases_for(name) if not case.public]):
        found += list(value.ravel().astype(float)) + [float(value.sum())] if isinstance(value, np.ndarray) \
            else [value]
    return found


def _secrets():
    texts, numbers = set(), set()
    for name in ATTACKED:
        for value in _hidden_values(name):
            t, n = renderings(value)
            texts |= t
            numbers |= n
    return texts, numbers


HIDDEN_TEXTS, HIDDEN_NUMBERS = _secrets()
_NUMBER = re.compile(r"(?<![\w.#])\d+(?![\w.])")  # a number standing alone, not a part of a word or colour


def leaks(text):
    """The hidden renderings in ``text`` (one student-visible text)."""
    found = [t for t in HIDDEN_TEXTS if t in text]
    found += [n for n in map(int, _NUMBER.findall(text)) if n in HIDDEN_NUMBERS]
    return found


def cell(name, secret, writing, channel, stash):
    """An answer cell defining ``name`` that leaks ``secret`` written as ``writing`` down ``channel``."""
    return ("import struct, warnings\n"
            "STASH = globals().setdefault('STASH', [])\n"
            "def {name}({sig}):\n"
            "    v = float({secret})\n"
            "    K = int(abs(v) * 1e3) % 9000 + 1000\n"
            "    STASH.append({writing})\n"
            "    T = STASH[-2] if {stash} and len(STASH) > 1 else STASH[-1]\n"
            "    {channel}\n").format(name=name, sig=SIGNATURES[name], secret=secret, writing=writing,
                                      stash=stash, channel=channel)


def student_texts(results):
    """Everything a student reads of these function results, on every path."""
    submission = SubmissionResult(functions=tuple(results)).to_json()
    texts = [json.dumps(submission, ensure_ascii=False), client.report(submission),
             client.markdown(submission, "dnn_step_by_step.ipynb")]
    texts += [case.message for result in results for case in result.cases]  # the similarity page's
    page = render_page("s1", {r.name: r.score for r in results}, {r.name: function_report(r) for r in results}, {})
    return texts + [html.unescape(page)]


def test_the_renderings_are_distinctive_and_the_honest_verdicts_show_none():
    """The check is not vacuous (hundreds of renderings) and not trivially failing (no honest text holds one)."""
    assert len(HIDDEN_TEXTS) > 500 and len(HIDDEN_NUMBERS) > 200
    honest = namespace_of(solved_sources())
    results = [check_function(name, honest.get(name)) for name in ATTACKED]
    assert not any(leaks(text) for text in student_texts(results))


def test_every_shape_a_case_expects_is_made_of_the_labs_sizes():
    """What a verdict says a case expects is always sayable: every output's axes are among its inputs'."""
    shapes = {value.shape for value in _leaves([expected for name in BY_NAME for _, expected in cases_for(name)])
              if isinstance(value, np.ndarray)}
    assert len(shapes) > 20 and all(Shape.of(shape) for shape in shapes), shapes


channels = st.tuples(st.sampled_from(CHANNELS), st.sampled_from(WRITINGS), st.booleans(),
                     st.integers(min_value=0, max_value=2))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(attack=channels)
def test_no_hidden_value_reaches_a_verdict_whatever_the_function_does(attack):
    channel, writing, stash, which = attack
    namespace = namespace_of({})
    for name in ATTACKED:
        secrets = SECRETS[name]
        exec(cell(name, secrets[which % len(secrets)], writing, channel, stash), namespace)
    results = [check_function(name, namespace[name]) for name in ATTACKED]
    assert any(not r.cases[0].passed for r in results)  # the cell really ran
    for text in student_texts(results):
        assert not leaks(text), (leaks(text), text[:2000])


forged = st.tuples(st.sampled_from(sorted(HIDDEN_TEXTS)),
                   st.sampled_from(("{}: x", "ValueError: {}", "KeyError: '{}'", "E{}: shapes (3,1) and (1,3) not aligned",
                                    "IndexError: index {} is out of bounds", "ValueError: shapes ({0},1) and (1,{0}) "
                                    "not aligned", "{}")),
                   st.sampled_from(("неподдерживаемый тип {}", "массив с типом элементов <U{}", "{}",
                                    "слишком большой массив ({} элементов)", "неподдерживаемый тип X{}")))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(attack=forged)
def test_a_forged_report_from_a_child_is_judged_by_facts_only(attack):
    """A compromised child reports any error or refusal text it likes: the verdict holds none of it."""
    secret, error, invalid = attack
    spec = BY_NAME["linear_forward"]
    for outcome in (Outcome(error=error.format(secret)), Outcome(invalid=invalid.format(secret))):
        results = [judge_case(spec, case, expected, outcome) for case, expected in cases_for(spec.name)]
        judged = judge_function(spec, results)
        for text in student_texts([judged]):
            assert secret not in text, text
    made = SubmissionResult(functions=(replace(judged, refused=("сеть: socket ×" + str(len(secret) + 11),
                                                                "ядро: #" + str(len(secret) + 1000))),),
                            notes=("ячейка 3: " + error.format(secret), "ячейка 4: " + secret,
                                   "ячейка 5: ValueError: shapes (3,4) and (5,3) not aligned"))
    noted = made.to_json()
    assert replace(made, functions=tuple(replace(f) for f in made.functions)).to_json() == noted  # said once
    assert noted["functions"][0]["refused"] == ["сеть: socket больше 10 раз", "ядро: вызов без имени"]
    syntax = syntax_error("linear_forward", 3, "    Z = np.dot(W A) + b", "SyntaxError: " + error.format(secret))
    for text in (json.dumps(noted, ensure_ascii=False), client.report(noted), syntax.message):
        assert secret not in text, text


def test_a_verdict_still_says_what_is_wrong():
    """Facts, not silence: the class of a builtin exception, NumPy's shapes, a known type, a lab key."""
    spec = BY_NAME["linear_forward"]
    case, expected = cases_for(spec.name)[1]
    said = {text: judge_case(spec, case, expected, Outcome(**{field: text})).message for field, text in (
        ("error", "ValueError: shapes (3,4) and (5,3) not aligned: 4 (dim 1) != 5 (dim 0)"),
        ("error", "KeyError: 'W3'"), ("error", "ZeroDivisionError: division by zero"),
        ("error", "MyError: 0x1.8p+1"), ("invalid", "неподдерживаемый тип set"),
        ("invalid", "неподдерживаемый тип X0x1.8p+1"), ("invalid", "массив с типом элементов <U7"))}
    assert list(said.values()) == [
        "ошибка при вызове: ValueError — не согласованы размеры в матричном произведении: (3, 4) и (5, 3)\n"
        "  (текст исключения в вердикт не попадает; на примере из лабораторной его покажет ячейка с примером "
        "в ноутбуке)",
        "ошибка при вызове: KeyError — в словаре нет ключа W3\n  (текст исключения в вердикт не попадает; на "
        "примере из лабораторной его покажет ячейка с примером в ноутбуке)",
        "ошибка при вызове: ZeroDivisionError\n  (текст исключения в вердикт не попадает; на примере из "
        "лабораторной его покажет ячейка с примером в ноутбуке)",
        "ошибка при вызове: исключение своего класса (его имя не показывается)\n  (текст исключения в вердикт не "
        "попадает; на примере из лабораторной его покажет ячейка с примером в ноутбуке)",
        "функция вернула значение типа set, которого проверка не принимает: нужны числа, массивы numpy, "
        "кортежи, списки, словари со строковыми ключами или None",
        "функция вернула значение своего типа, которого проверка не принимает (имя типа не показывается): "
        "нужны числа, массивы numpy, кортежи, списки, словари со строковыми ключами или None",
        "функция вернула массив, элементы которого — строки, а не числа: нужны числа, массивы numpy, "
        "кортежи, списки, словари со строковыми ключами или None"]


# --- the sealed engine, as every grading path runs it ------------------------------------------------

@pytest.fixture(scope="module")
def zygote():
    with Zygote(lab_context(lab_folder(REPO))) as z:
        yield z


SEALED = [("raise ValueError(T)", "float.hex(float(v))", False),
          ("return type(T, (), {})(), None", "repr(v)", False),
          ("raise type(T, (ValueError,), {})('x')", "str(int(v * 1e6))", True),
          ("return (0.0,) * K", "str(K)", False),
          ("return {T: 1.0}", "repr(struct.pack('<d', v))", True),
          ("print(T); warnings.warn(T); return np.zeros((K,)), None", "repr(v)", True),
          ("raise SystemExit(T)", "'%.4f' % v", True)]


# An answer cell's own top-level code runs in the child that holds the cases it will be called on.
PRELOADED = """
import sys

def _arrays(value, depth=0):
    if isinstance(value, np.ndarray):
        yield value
    elif depth < 8 and isinstance(value, (list, tuple)):
        for item in value:
            yield from _arrays(item, depth + 1)
    elif depth < 8 and isinstance(value, dict):
        for item in list(value.values()):
            yield from _arrays(item, depth + 1)

_held = [float(a.flat[0]) for a in _arrays(vars(sys.modules["grader.sandbox.child"])) if a.size]
raise ValueError(" ".join(repr(x) + " " + float.hex(x) for x in _held[:400]))
"""


def test_a_cell_that_raises_what_the_child_holds_shows_none_of_it(zygote, tmp_path):
    path = tmp_path / "cell.ipynb"
    nb = with_answers(solved_submission(), {"compute_cost": "# ОЦЕНИВАЕМОЕ: compute_cost\n" +
                                            solved_sources()["compute_cost"] + PRELOADED})
    path.write_text(as_text(nb), encoding="utf-8")
    result = grade_notebook(path, zygote, Limits(cell_seconds=5, function_seconds=5))
    assert any(note.startswith("ячейка") and "ValueError" in note for note in result.notes), result.notes
    shown = result.to_json()
    for text in (json.dumps(shown, ensure_ascii=False), client.report(shown)):
        assert not leaks(text), (leaks(text), text[:2000])


def test_how_often_the_seal_refused_a_call_is_said_up_to_ten(zygote, tmp_path):
    """The count is the student's to choose (a number of the hidden value's digits): said only up to 10."""
    body = ("def linear_forward(A, W, b):\n    import socket\n"
            "    for _ in range(int(abs(A[0, 0]) * 1e3) % 150 + 11):\n        try:\n"
            "            socket.socket()\n        except OSError:\n            pass\n    return None\n")
    path = tmp_path / "refused.ipynb"
    path.write_text(as_text(with_answers(solved_submission(), {"linear_forward": "# ОЦЕНИВАЕМОЕ: linear_forward\n" +
                                                               body})), encoding="utf-8")
    result = grade_notebook(path, zygote, Limits(cell_seconds=5, function_seconds=5))
    verdict = {f.name: f for f in result.functions}["linear_forward"]
    assert verdict.refused == ("сеть: socket больше 10 раз",), verdict.refused
    assert "socket больше 10 раз" in client.report(result.to_json())


@pytest.mark.parametrize("channel, writing, stash", SEALED)
def test_the_sealed_engine_verdicts_show_no_hidden_value(zygote, tmp_path, channel, writing, stash):
    """Stashed in the child on a hidden case and shown on a later function's example, too."""
    sources = {name: "# ОЦЕНИВАЕМОЕ: {}\n{}".format(name, cell(name, SECRETS[name][-1], writing, channel, stash))
               for name in ATTACKED}
    path = tmp_path / "hostile.ipynb"
    path.write_text(as_text(with_answers(solved_submission(), sources)), encoding="utf-8")
    result = grade_notebook(path, zygote, Limits(cell_seconds=5, function_seconds=5))
    attacked = [f for f in result.functions if f.name in ATTACKED]
    assert attacked and all(f.score == 0 for f in attacked), [(f.name, f.message) for f in attacked]
    for text in student_texts(list(result.functions)) + [client.report(result.to_json())]:
        assert not leaks(text), (leaks(text), text[:2000])
