"""Pure comparison of a student's (sanitized) output with the reference output.

Nothing here runs student code: both sides are plain data from
:mod:`grader.codec`. The first difference found is explained in Russian, with a
guess at the cause when the difference has a recognisable shape (transposed,
off by a factor, sign, lost ``keepdims``).
"""

from dataclasses import dataclass

import numpy as np

from .naming import natural_key

# Any correct float64 arithmetic lands far inside this; every mistake in the
# corpus lands far outside it (tests/test_corpus.py keeps both true).
RTOL = 1e-6
ATOL = 1e-9
_SHOW_MAX = 12  # arrays up to this many elements are shown in messages


@dataclass(frozen=True)
class Mismatch:
    """Where the output first differs and what a student should look at."""

    path: str
    message: str

    def __str__(self):
        return "{}: {}".format(self.path, self.message) if self.path else self.message


def compare(expected, actual, path="", *, context=None):
    """Return the first :class:`Mismatch` between ``actual`` and ``expected``, or None.

    ``context`` may hold ``m`` (the number of examples) to name factor-of-m
    slips, and ``public``: only the lab's own example shows expected and
    received values -- a hidden case's expected values never reach a student.
    """
    context = context or {}
    if isinstance(expected, (tuple, list)):
        return _compare_sequence(expected, actual, path, context)
    if isinstance(expected, dict):
        return _compare_dict(expected, actual, path, context)
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _compare_array(expected, actual, path, context)
    return _compare_scalar(expected, actual, path, context)


def _kind(value):
    if isinstance(value, (tuple, list)):
        return "кортеж из {} элементов".format(len(value))
    if isinstance(value, dict):
        return "словарь"
    if isinstance(value, np.ndarray):
        return "массив размера {}".format(value.shape)
    return "значение типа {}".format(type(value).__name__)


def _compare_sequence(expected, actual, path, context):
    if not isinstance(actual, (tuple, list)):
        return Mismatch(path, "ожидался кортеж из {} элементов, получено: {}".format(
            len(expected), _kind(actual)))
    if len(actual) != len(expected):
        return Mismatch(path, "ожидалось {} элементов, получено {}".format(
            len(expected), len(actual)))
    for i, (e, a) in enumerate(zip(expected, actual)):
        found = compare(e, a, "{}[{}]".format(path, i), context=context)
        if found:
            return found
    return None


def _compare_dict(expected, actual, path, context):
    if not isinstance(actual, dict):
        return Mismatch(path, "ожидался словарь, получено: {}".format(_kind(actual)))
    missing = sorted(set(expected) - set(actual), key=natural_key)
    extra = sorted(set(actual) - set(expected), key=natural_key)
    if missing or extra:
        parts = []
        if missing:
            parts.append("нет ключей " + ", ".join(missing))
        if extra:
            parts.append("лишние ключи " + ", ".join(extra))
        return Mismatch(path, "; ".join(parts) + " (ожидались ключи {})".format(
            ", ".join(sorted(expected, key=natural_key))))
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
    if got is None:
        return Mismatch(path, "ожидалось число, получено: {}".format(_kind(actual)))
    if got.shape != ():
        return Mismatch(path, "ожидалось число (размер ()), получен массив размера {}".format(
            got.shape))
    return _compare_values(np.asarray(expected, dtype=float), got, path, context)


def _compare_array(expected, actual, path, context):
    got = _as_number_array(actual)
    if got is None:
        return Mismatch(path, "ожидался массив numpy размера {}, получено: {}".format(
            expected.shape, _kind(actual)))
    if got.shape != expected.shape:
        return Mismatch(path, "размер {}, ожидался {}{}".format(
            got.shape, expected.shape, _shape_hint(expected, got)))
    return _compare_values(expected.astype(float), got, path, context)


def _shape_hint(expected, got):
    if got.shape == expected.T.shape and close(got, expected.T):
        return " — похоже, результат транспонирован"
    if got.shape == expected.shape[:1] and expected.ndim == 2 and expected.shape[1] == 1:
        return " — потеряна вторая размерность: используйте keepdims=True"
    if got.shape == expected.T.shape:
        return " — похоже, перепутан порядок множителей или пропущено транспонирование"
    if got.size == expected.size:
        return " — те же элементы в другой форме: проверьте reshape"
    return ""


def close(got, expected):
    """np.allclose(got, expected, RTOL, ATOL) for finite float arrays, without its overhead."""
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)))


def _compare_values(expected, got, path, context):
    if close(got, expected):
        return None
    message = "значения не совпадают с верными"
    if not np.all(np.isfinite(got)):
        message = "результат содержит nan или inf"
    else:
        hint = _value_hint(expected, got, context)
        if hint:
            message += " — " + hint
    if expected.size <= _SHOW_MAX and context.get("public"):
        message += "\n  ожидалось: {}\n  получено:  {}".format(
            _show(expected), _show(got))
    return Mismatch(path, message)


def _value_hint(expected, got, context):
    if not np.any(got) and np.any(expected):
        return "получены одни нули"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got, expected.T):
        return "похоже, результат транспонирован"
    denominator = float(np.sum(expected * expected))
    if denominator == 0:
        return ""
    ratio = float(np.sum(got * expected)) / denominator
    if ratio == 0 or not np.allclose(got, ratio * expected, rtol=1e-5, atol=ATOL):
        return ""
    m = context.get("m")
    if np.isclose(ratio, -1):
        return "перепутан знак"
    if m and m > 1 and np.isclose(ratio, m):
        return "результат в m = {} раз больше верного: пропущено деление на m".format(m)
    if m and m > 1 and np.isclose(ratio, 1 / m):
        return "результат в m = {} раз меньше верного: лишнее деление на m".format(m)
    if not context.get("public"):  # the factor and the student's own output would give the expected values away
        return "результат отличается от верного постоянным множителем"
    return "результат отличается от верного в {:.4g} раз".format(ratio)


def _show(array):
    with np.printoptions(precision=6, suppress=True, threshold=_SHOW_MAX):
        return np.array2string(np.asarray(array), separator=" ").replace("\n", "\n             ")
