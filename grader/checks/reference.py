"""The trusted side of a check: cases, reference outputs and slip outputs.

The only grading module that calls the hidden reference. Results are memoised
per process: cases are deterministic, so a batch computes them once.
"""

import copy
import threading
from functools import lru_cache

import numpy as np

import reference_solution as ref
from ..plain.codec import sanitize
from .graded_functions import ACTIVATIONS, BY_NAME, SPECS


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
    spec = BY_NAME[name]
    if spec.slips is None:
        return []
    reference = getattr(ref, name)
    with _REFERENCE:
        return [(hint, sanitize(output))
                for hint, output in spec.slips(copy.deepcopy(case), reference)]


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
    largest, stack = 1, [case.args for spec in SPECS for case in spec.build_cases()]
    while stack:
        value = stack.pop()
        if isinstance(value, np.ndarray):
            largest = max(largest, *value.shape, 1)
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif type(value) is int:
            largest = max(largest, value)
    return max(64, 8 * largest)


def helper_replacements(name):
    """Reference versions of the functions ``name`` may call (its helpers, the activations)."""
    return {helper: getattr(ref, helper) for helper in BY_NAME[name].helpers + ACTIVATIONS}
