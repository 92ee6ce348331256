"""The trusted side of a check: cases, reference outputs and slip outputs.

The only grading module that calls the hidden reference. Results are memoised
per process: cases are deterministic, so a batch computes them once.
"""

import copy
import inspect
import threading
from functools import lru_cache

import numpy as np

import reference_solution as ref
from ..plain.calls import call_key, describe_error, isolate, lock_reply
from ..plain.codec import decode, encode, sanitize
from .facts import sizes
from .graded_functions import ACTIVATIONS, BY_NAME


# The reference initialisers seed numpy's global generator, so two threads of
# a batch must never run reference code at the same time.
_REFERENCE = threading.RLock()


def cases_for(name):
    """The cases of ``name`` with their sanitized reference outputs."""
    with _REFERENCE:
        return _cases_for(name)


@lru_cache(maxsize=None)
def _cases_for(name):
    spec = BY_NAME[name]
    reference = getattr(ref, name)
    return tuple((case, sanitize(reference(*copy.deepcopy(case.args), **case.kwargs)))
                 for case in spec.build_cases())


def slips_for(name, case):
    """((hint, output), ...) of the typical mistakes of ``name`` on ``case``: made once per case and
    process, where a class's wrong answers ask for them again and again (a function's cases are told
    apart by their labels)."""
    spec = BY_NAME[name]
    if spec.slips is None:
        return ()
    with _REFERENCE:
        key = (name, case.label)
        if key not in _SLIPS:
            _SLIPS[key] = tuple((hint, sanitize(output))
                                for hint, output in spec.slips(copy.deepcopy(case), getattr(ref, name)))
        return _SLIPS[key]


_SLIPS = {}  # (function, case label) -> its slips (see slips_for)


def call_reference(name, args, kwargs):
    """Run one reference function for a sealed child's helper call, within the lab's sizes.

    The reference runs in the grading process, where the child's limits do not
    apply: a call with arguments larger than any the lab's cases can lead to
    (a (15000, 1) and a (1, 15000) array broadcast to 15000²) fails with a
    ValueError the student sees, before anything is computed.
    """
    within_budget(name, args, kwargs)
    with _REFERENCE:
        return getattr(ref, name)(*args, **kwargs)


def helper_reply(name, args, kwargs):
    """The reply to a child's call of helper ``name`` on encoded arguments: ``{"value": ...}`` or the error.

    Checked plain data in, plain data out, within the lab's sizes (:func:`call_reference`).
    """
    try:
        args, kwargs = decode(args), decode(kwargs)
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise TypeError("bad helper call")
        with np.errstate(all="ignore"):
            value = call_reference(name, args, kwargs)
        return {"value": encode(value)}
    except Exception as error:  # the student's call was wrong: the student sees why
        return {"error": describe_error(error).split(": ", 1)[-1], "type": type(error).__name__}


def helper_params(name):
    """{helper: its parameter names} for the helpers ``name`` may call (public: the lab's signatures)."""
    return {helper: tuple(inspect.signature(getattr(ref, helper)).parameters)
            for helper in BY_NAME[name].helpers + ACTIVATIONS}


def known_replies(name):
    """{helper: {lookup: locked reply}}: the helper calls the reference of ``name`` makes on its cases, answered.

    A child checking ``name`` on these cases makes the same calls when the
    student computes as the reference does; sent along with the cases, they
    are answered without a round trip. Each is locked under its arguments
    (:func:`~grader.plain.calls.lock_reply`): the child opens only the replies
    to calls it makes, exactly what it would be answered by asking.
    """
    with _REFERENCE:
        return _known_replies(name)


@lru_cache(maxsize=None)
def _known_replies(name):
    params = helper_params(name)
    replies = {helper: {} for helper in params}

    def recorder(helper):
        def answer(*args, **kwargs):
            key = call_key(args, kwargs, params[helper])
            reply = helper_reply(helper, encode(list(args)), encode(kwargs))
            if key is not None:
                lookup, locked = lock_reply(key, reply)
                replies[helper].setdefault(lookup, locked)
            if "error" in reply:
                raise ValueError(reply["error"])
            return decode(reply["value"])
        return answer

    function = isolate(getattr(ref, name), {helper: recorder(helper) for helper in params})
    for case, _ in _cases_for(name):
        try:  # on the arguments exactly as a child decodes them
            function(*decode(encode(list(case.args))), **decode(encode(case.kwargs)))
        except Exception:  # noqa: BLE001 -- a case the reference refuses asks nothing more
            pass
    return {helper: known for helper, known in replies.items() if known}


def within_budget(name, args, kwargs):
    """Raise ValueError when an argument is larger than the lab's cases make (see :func:`axis_limit`)."""
    limit, stack, seen = axis_limit(), [args, kwargs], 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > 10_000:
            raise ValueError("слишком много аргументов для {}".format(name))
        if isinstance(value, np.ndarray):
            if value.ndim > 2 or any(n > limit for n in value.shape):
                raise ValueError("аргумент {} размера {} больше, чем бывает в лабораторной: не больше {} по "
                                 "каждой оси и двух осей".format(name, value.shape, limit))
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif type(value) is int and abs(value) > limit:
            raise ValueError("число {} в аргументах {} больше, чем бывает в лабораторной".format(value, name))


@lru_cache(maxsize=None)
def axis_limit():
    """The largest axis a helper may be given: eight times the largest axis or size in any case (at least 64).

    Whatever a right or wrong function does with a case's inputs -- transpose,
    stack a few, slice -- stays far below it, and every reference helper's
    work is then at most this squared per array.
    """
    return max(64, 8 * max(sizes()))


def helper_replacements(name):
    """Reference versions of the functions ``name`` may call (its helpers, the activations)."""
    return {helper: getattr(ref, helper) for helper in BY_NAME[name].helpers + ACTIVATIONS}
