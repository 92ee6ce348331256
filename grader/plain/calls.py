"""Call an untrusted student function on one case and keep only plain data.

Used in the student's kernel (hidden tests) and in the sealed worker alike, so
it imports nothing secret: no reference, no checks.
"""

import base64
import contextlib
import copy
import hashlib
import json
import types
import warnings

import numpy as np

from .codec import UnsupportedValue, encode, fingerprint
from .outcome import Outcome
from .output import CappedOutput


def call(function, args, kwargs, fresh=False):
    """Run ``function`` on the arguments (deep copies unless ``fresh``); return an :class:`Outcome`.

    ``fresh``: the arguments were made for this call alone (decoded for it), so
    they are handed over as they are, and what the function does to them is its own.

    Prints, warnings and numpy floating-point errors of the student's code are
    swallowed: they must neither reach the grade cell's stderr (nbgrader would
    zero it) nor be mistaken for results -- nor be kept: a function printing a
    gigabyte would run out of memory holding it.
    """
    if not fresh:
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    sink = CappedOutput()
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


def call_key(args, kwargs, params):
    """The bytes a helper call is known by, however its arguments were passed (None: not a full call).

    ``args`` (a list) and ``kwargs`` (a dict) as the helper got them; ``params``:
    its parameter names. Keyword arguments take their parameter's place, so
    ``f(A, W, b, activation="relu")`` and ``f(A, W, b, "relu")`` share a key, and
    two calls share one exactly when their arguments encode alike
    (:func:`.codec.fingerprint`); the grader answers calls it knows in advance by it.
    """
    if len(args) + len(kwargs) != len(params) or set(kwargs) != set(params[len(args):]):
        return None
    return fingerprint(list(args) + [kwargs[p] for p in params[len(args):]])


def lock_reply(key, reply):
    """(lookup, locked reply) of a reply known in advance: only a call with exactly ``key`` finds and opens it.

    Known replies travel to the child with a function's call, where the
    student's code can read them; locked under their call's arguments, they
    tell it nothing it could not learn by making that call -- in particular,
    not which arguments the reference passes (a hidden case's intermediate
    values) and not what the helpers answer on them.
    """
    lookup, secret = _digests(key)
    return lookup, base64.b64encode(_xor(json.dumps(reply, separators=(",", ":")).encode(), secret)).decode("ascii")


def unlock_reply(known, key):
    """The reply :func:`lock_reply` locked under ``key`` in ``known`` ({lookup: locked}), or None."""
    if key is None:
        return None
    lookup, secret = _digests(key)
    locked = known.get(lookup)
    return None if locked is None else json.loads(_xor(base64.b64decode(locked), secret))


def _digests(data):
    return hashlib.sha256(b"lookup\0" + data).hexdigest(), hashlib.sha256(b"secret\0" + data).digest()


def _xor(data, secret):
    stream = hashlib.shake_256(secret).digest(len(data))
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")


def describe_error(error):
    text = str(error).strip().splitlines()
    return "{}: {}".format(type(error).__name__, text[0][:300] if text else "").rstrip(": ")


def isolate(function, replacements):
    """Return ``function`` seeing ``replacements`` instead of its module globals.

    Every plain function of the same namespace (the student's own helpers) is
    rebound too, and every other way the namespace holds a replaced function --
    an alias (``forward = linear_forward``) or a table built at a cell's top
    level (``{"relu": (relu, relu_backward)}``) -- holds the replacement
    instead, so the student's other graded functions are out of reach however
    they are called.
    """
    if not isinstance(function, types.FunctionType):
        return function
    original = function.__globals__
    namespace = dict(original)
    namespace.update(replacements)
    swapped = {id(original[name]): value for name, value in replacements.items()
               if callable(original.get(name))}
    for name, value in list(namespace.items()):
        if name in replacements:
            continue
        if id(value) in swapped:
            namespace[name] = swapped[id(value)]
        elif isinstance(value, types.FunctionType) and value.__globals__ is original:
            namespace[name] = _rebind(value, namespace)
        elif type(value) in (dict, list, tuple):
            namespace[name] = _swap_within(value, swapped)
    return _rebind(function, namespace)


_CONTAINERS = frozenset((dict, list, tuple))


def _swap_within(container, swapped, depth=2):
    """``container`` with replaced functions swapped, two levels deep; the same object if none is there."""
    if depth == 0 or type(container) not in _CONTAINERS:
        return swapped.get(id(container), container)
    values = container.values() if type(container) is dict else container
    if swapped.keys().isdisjoint(map(id, values)) and \
            (depth == 1 or not any(map(_CONTAINERS.__contains__, map(type, values)))):
        return container  # nothing to swap, as in nearly every table: decided without building a copy
    items = list(container.items() if type(container) is dict else enumerate(container))
    new = {key: (swapped[id(v)] if id(v) in swapped else _swap_within(v, swapped, depth - 1)) for key, v in items}
    if all(new[key] is value for key, value in items):
        return container
    return new if type(container) is dict else type(container)(new[i] for i in range(len(container)))


def _rebind(function, namespace):
    clone = types.FunctionType(function.__code__, namespace, function.__name__,
                               function.__defaults__, function.__closure__)
    clone.__kwdefaults__ = copy.copy(function.__kwdefaults__)
    return clone
