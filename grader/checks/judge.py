"""Turn a function's outcomes into a score: pure, deterministic, no student code."""

import re

import numpy as np

from ..plain.codec import decode, encode, identical
from ..plain.outcome import Outcome
from .behaviour import failure_print, output_print
from .compare import Mismatch, compare
from .facts import ChangedArgument, Invalid, NotTuple, Raised, Value
from .graded_functions import BY_NAME
from .results import ERROR, FAILED, MISSING, PASSED, SYNTAX, CaseResult, FunctionResult


# Decimal numbers in an exception's text, folded for its fingerprint (grader similarity): the same code
# raising on the same case gives the same one. (No verdict shows the text: see .facts.)
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")
# Verdicts that name a slip (a typical mistake or compare's transposed, sign, keepdims, factor of m).
_NAMED_SLIPS = ("похоже, ", "keepdims", "перепутан знак", "деление на m")


def judge_case(spec, case, expected, outcome, slips=list):
    """Compare one :class:`Outcome` with the reference output of ``case``.

    ``slips`` is called only on a mismatch: it returns (hint, output) pairs of
    typical mistakes, and the first one the student's output equals is named.
    What the message says is a fact of :mod:`.facts` (with a slip's hint, the
    grader's own words): nothing of the outcome's text reaches it, on any case
    -- the lab's example is no exception, since a function may show there what
    it kept from a hidden case.
    """
    if outcome.error:
        return CaseResult(case.label, case.part, False, str(Raised.of(outcome.error)), case.public,
                          failure_print("error", _NUMBER.sub("…", str(outcome.error))))
    if outcome.invalid:
        invalid = Invalid.of(outcome.invalid)
        return CaseResult(case.label, case.part, False, str(invalid), case.public,
                          failure_print("invalid", str(invalid)))
    actual = decode(outcome.value)
    mismatch = _compare_output(spec.outputs, expected, actual, {"m": case.m, "public": case.public})
    if mismatch:
        message = str(mismatch)
        for hint, slip_output in slips():
            if compare(slip_output, actual) is None:
                message += "\n  похоже, " + hint
                break
        named = any(m in message for m in _NAMED_SLIPS)  # a slip the checks know by name: many make it
        return CaseResult(case.label, case.part, False, message, case.public, output_print(actual, named))
    changed = _changed_argument(spec, case, decode(outcome.args_after))
    if changed:
        return CaseResult(case.label, case.part, False, str(ChangedArgument(changed)),
                          case.public, failure_print("changed", changed, common=True))
    return CaseResult(case.label, case.part, True, "", case.public)


def right_answer(spec, case, expected):
    """(encoded value, encoded arguments, its passed CaseResult) of the answer that is exactly the
    reference's, or None when even that does not pass (a case whose output holds a NaN, say).

    What a child sends that is identical to it passes without being decoded and
    compared: :func:`judge_case` has passed exactly this outcome.
    """
    value, args = encode(expected), encode(decode(encode(list(case.args))))
    result = judge_case(spec, case, expected, Outcome(value, args))
    return (value, args, result) if result.passed else None


def judge_exactly_right(right, outcome):
    """The passed CaseResult of :func:`right_answer` when ``outcome`` is that answer, bit for bit; else None."""
    if right is None or outcome.error or outcome.invalid:
        return None
    value, args, result = right
    return result if identical(outcome.value, value) and identical(outcome.args_after, args) else None


def _compare_output(names, expected, actual, context):
    """Compare, naming the parts of a tuple result as the lab does (``dW``, ``cache``)."""
    if isinstance(names, str):
        return compare(expected, actual, names, context=context)
    if not isinstance(actual, (tuple, list)) or len(actual) != len(names):
        return Mismatch("результат", NotTuple(tuple(names), Value.of(actual)))
    for name, e, a in zip(names, expected, actual):
        found = compare(e, a, name, context=context)
        if found:
            return found
    return None


def _changed_argument(spec, case, args_after):
    for position, (before, after) in enumerate(zip(case.args, args_after)):
        if position not in case.mutable and not same(before, after):
            return spec.arg_names[position]
    return None


def same(before, after):
    """Exact structural equality of plain data (arguments survive the codec bit for bit)."""
    if isinstance(before, (tuple, list)):
        return isinstance(after, (tuple, list)) and len(after) == len(before) and \
            all(same(b, a) for b, a in zip(before, after))
    if isinstance(before, dict):
        return isinstance(after, dict) and after.keys() == before.keys() and \
            all(same(before[k], after[k]) for k in before)
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        return isinstance(after, np.ndarray) and isinstance(before, np.ndarray) and \
            before.shape == after.shape and bool(np.array_equal(before, after))
    return type(before) is type(after) and before == after


def judge_function(spec, case_results):
    """Score per part: a part earns its points when every one of its cases passes."""
    points = spec.part_points()
    failed_parts = {r.part for r in case_results if not r.passed}
    score = sum(p for part, p in points.items() if part not in failed_parts)
    score = round(score, 6)
    failures = [r for r in case_results if not r.passed]
    if not failures:
        return FunctionResult(spec.name, score, spec.points, PASSED, "", tuple(case_results))
    all_raised = all(r.message.startswith("ошибка при вызове") for r in failures) \
        and len(failures) == len(case_results)
    status = ERROR if all_raised else FAILED
    return FunctionResult(spec.name, score, spec.points, status,
                          summarize(failures, len(case_results)), tuple(case_results))


def summarize(failures, total):
    first = failures[0]
    head = "не пройдено {} из {} проверок. Первая: {}".format(len(failures), total, first.label)
    return head + "\n" + first.message


def syntax_error(name, line, text, error):
    """The verdict for a function whose answer cell does not parse: where, and Python's words for it.

    ``text`` is the line as the grader holds the cell; ``error``, the child's report, is said by its facts
    (:class:`~.facts.Raised`: Python's words when they are among those Python says).
    """
    spec = BY_NAME[name]
    where = "синтаксическая ошибка в ячейке функции {}, строка {}".format(name, line) if line else \
        "синтаксическая ошибка в ячейке функции {}".format(name)
    shown = ":\n    {}\n".format(text.strip()[:200]) if text.strip() else "\n"
    return FunctionResult(name, 0.0, spec.points, SYNTAX, where + shown + Raised.of(error).described() +
                          "\nЯчейка не выполнилась, поэтому функция не определена: исправьте эту строку.")


def missing(name, found=()):
    """The verdict for a function the submission does not define; ``found``: what its answer cell defines
    instead (names read from the cell's text, which was written before any case existed)."""
    spec = BY_NAME[name]
    if found:
        return FunctionResult(name, 0.0, spec.points, MISSING,
                              "функции с именем {} нет: в её ячейке определена {} — назовите функцию {}, как в "
                              "лабораторной".format(name, ", ".join(found), name))
    return FunctionResult(name, 0.0, spec.points, MISSING,
                          "функция {} не найдена: выполните ячейку с её определением".format(name))
