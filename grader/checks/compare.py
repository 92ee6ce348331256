"""Pure comparison of a student's (sanitized) output with the reference output.

Nothing here runs student code: both sides are plain data from
:mod:`grader.codec`. The first difference found is a fact of :mod:`.facts`
(said in Russian there), with a guess at the cause when the difference has a
recognisable shape (transposed, off by a factor, sign, lost ``keepdims``).
"""

from dataclasses import dataclass

import numpy as np

from .facts import (Count, Factor, Kind, Shape, ShapeHint, Value, ValueHint, WrongKeys, WrongKind, WrongLength,
                    WrongShape, WrongValues, lab_key)
from .naming import natural_key

# Any correct float64 arithmetic lands far inside this; every mistake in the
# corpus lands far outside it (tests/test_corpus.py keeps both true).
RTOL = 1e-6
ATOL = 1e-9
_SHOW_MAX = 12  # arrays up to this many elements are shown in messages


@dataclass(frozen=True)
class Mismatch:
    """Where the output first differs (a path the grader wrote from the reference's output) and what differs:
    a fact of :mod:`.facts`, never the student's text or numbers."""

    path: str
    fact: object

    @property
    def message(self):
        return str(self.fact)

    def __str__(self):
        return "{}: {}".format(self.path, self.fact) if self.path else str(self.fact)


def compare(expected, actual, path="", *, context=None):
    """Return the first :class:`Mismatch` between ``actual`` and ``expected``, or None.

    ``context`` may hold ``m`` (the number of examples) to name factor-of-m
    slips, and ``public``: only the lab's own example shows its expected
    values -- a hidden case's never reach a student.
    """
    context = context or {}
    if isinstance(expected, (tuple, list)):
        return _compare_sequence(expected, actual, path, context)
    if isinstance(expected, dict):
        return _compare_dict(expected, actual, path, context)
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _compare_array(expected, actual, path, context)
    return _compare_scalar(expected, actual, path, context)


def _compare_sequence(expected, actual, path, context):
    if not isinstance(actual, (tuple, list)):
        return Mismatch(path, WrongKind(Value.of(tuple(expected)), Value.of(actual)))
    if len(actual) != len(expected):
        return Mismatch(path, WrongLength(len(expected), Count(len(actual))))
    for i, (e, a) in enumerate(zip(expected, actual)):
        found = compare(e, a, "{}[{}]".format(path, i), context=context)
        if found:
            return found
    return None


def _compare_dict(expected, actual, path, context):
    if not isinstance(actual, dict):
        return Mismatch(path, WrongKind(Value.of(expected), Value.of(actual)))
    missing = sorted(set(expected) - set(actual), key=natural_key)
    extra = sorted(set(actual) - set(expected), key=natural_key)
    if missing or extra:
        named = tuple(k for k in extra if lab_key(k))
        return Mismatch(path, WrongKeys(tuple(sorted(expected, key=natural_key)), tuple(missing), named,
                                        len(named) < len(extra)))
    for key in sorted(expected, key=natural_key):
        found = compare(expected[key], actual[key], "{}[{!r}]".format(path, key), context=context)
        if found:
            return found
    return None


def _as_number_array(value):
    if isinstance(value, (bool, int, float, np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return array.astype(float)
    return None


def _compare_scalar(expected, actual, path, context):
    got = _as_number_array(actual)
    if got is None or got.shape != ():
        return Mismatch(path, WrongKind(Value(Kind.NUMBER), Value.of(actual)))
    return _compare_values(np.asarray(expected, dtype=float), got, path, context)


def _compare_array(expected, actual, path, context):
    got = _as_number_array(actual)
    if got is None:
        return Mismatch(path, WrongKind(Value.of(expected), Value.of(actual)))
    if got.shape != expected.shape:
        return Mismatch(path, WrongShape(Shape.of(expected.shape), Shape.of(got.shape), _shape_hint(expected, got)))
    return _compare_values(expected.astype(float), got, path, context)


def _shape_hint(expected, got):
    if got.shape == expected.T.shape and close(got, expected.T):
        return ShapeHint.TRANSPOSED
    if got.shape == expected.shape[:1] and expected.ndim == 2 and expected.shape[1] == 1:
        return ShapeHint.KEEPDIMS
    if got.shape == expected.T.shape:
        return ShapeHint.ORDER
    if got.size == expected.size:
        return ShapeHint.RESHAPE
    return None


def close(got, expected):
    """np.allclose(got, expected, RTOL, ATOL) for finite float arrays, without its overhead."""
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)))


def _compare_values(expected, got, path, context):
    if close(got, expected):
        return None
    m = int(context.get("m") or 0)
    shown = _show(expected) if expected.size <= _SHOW_MAX and context.get("public") else ""
    if not np.all(np.isfinite(got)):
        return Mismatch(path, WrongValues(ValueHint.NOT_FINITE, m, shown=shown))
    hint, ratio = _value_hint(expected, got, m)
    factor = Factor.of(ratio) if hint is ValueHint.FACTOR and context.get("public") else None
    return Mismatch(path, WrongValues(hint, m, factor, shown))


def _value_hint(expected, got, m):
    """(the :class:`ValueHint` of the difference or None, the ratio got/expected when it is one)."""
    if not np.any(got) and np.any(expected):
        return ValueHint.ZEROS, None
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got, expected.T):
        return ValueHint.TRANSPOSED, None
    denominator = float(np.sum(expected * expected))
    if denominator == 0:
        return None, None
    ratio = float(np.sum(got * expected)) / denominator
    if ratio == 0 or not np.allclose(got, ratio * expected, rtol=1e-5, atol=ATOL):
        return None, None
    if np.isclose(ratio, -1):
        return ValueHint.SIGN, None
    if m > 1 and np.isclose(ratio, m):
        return ValueHint.TIMES_M, None
    if m > 1 and np.isclose(ratio, 1 / m):
        return ValueHint.DIVIDED_M, None
    return ValueHint.FACTOR, ratio  # said as a number only when round, and only on the lab's example


def _show(array):
    """The lab example's expected values, as the lab prints them (the grader's own, public numbers)."""
    with np.printoptions(precision=6, suppress=True, threshold=_SHOW_MAX):
        return np.array2string(np.asarray(array), separator=" ").replace("\n", "\n             ")
