"""Call an untrusted student function on one case and keep only plain data.

Used in the student's kernel (hidden tests) and in the sealed worker alike, so
it imports nothing secret: no reference, no checks.
"""

import contextlib
import copy
import io
import types
import warnings

import numpy as np

from .codec import UnsupportedValue, encode
from .outcome import Outcome


def call(function, args, kwargs):
    """Run ``function`` on deep copies of the arguments; return an :class:`Outcome`.

    Prints, warnings and numpy floating-point errors of the student's code are
    swallowed: they must neither reach the grade cell's stderr (nbgrader would
    zero it) nor be mistaken for results.
    """
    args = copy.deepcopy(args)
    kwargs = copy.deepcopy(kwargs)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = function(*args, **kwargs)
    except Exception as error:  # the student's bug, reported as such
        return Outcome(error=describe_error(error))
    try:
        return Outcome(value=encode(value), args_after=encode(args))
    except UnsupportedValue as error:
        return Outcome(invalid=str(error))
    except RecursionError:
        return Outcome(invalid="слишком глубокая вложенность")


def describe_error(error):
    text = str(error).strip().splitlines()
    return "{}: {}".format(type(error).__name__, text[0][:300] if text else "").rstrip(": ")


def isolate(function, replacements):
    """Return ``function`` seeing ``replacements`` instead of its module globals.

    Every plain function of the same namespace (the student's own helpers) is
    rebound too, so the student's other graded functions are out of reach
    however they are called.
    """
    if not isinstance(function, types.FunctionType):
        return function
    original = function.__globals__
    namespace = dict(original)
    namespace.update(replacements)
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__globals__ is original \
                and name not in replacements:
            namespace[name] = _rebind(value, namespace)
    return _rebind(function, namespace)


def _rebind(function, namespace):
    clone = types.FunctionType(function.__code__, namespace, function.__name__,
                               function.__defaults__, function.__closure__)
    clone.__kwdefaults__ = copy.copy(function.__kwdefaults__)
    return clone
