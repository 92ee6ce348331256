"""The trusted side of a check: cases, reference outputs and slip outputs.

The only grading module that calls the hidden reference. Results are memoised
per process: cases are deterministic, so a batch computes them once.
"""

import copy
import threading
from functools import lru_cache

import reference_solution as ref
from ..plain.codec import sanitize
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
    spec = BY_NAME[name]
    if spec.slips is None:
        return []
    reference = getattr(ref, name)
    with _REFERENCE:
        return [(hint, sanitize(output))
                for hint, output in spec.slips(copy.deepcopy(case), reference)]


def call_reference(name, args, kwargs):
    """Run one reference function (a helper call from a sealed worker)."""
    with _REFERENCE:
        return getattr(ref, name)(*args, **kwargs)


def helper_replacements(name):
    """Reference versions of the functions ``name`` may call (its helpers, the activations)."""
    return {helper: getattr(ref, helper) for helper in BY_NAME[name].helpers + ACTIVATIONS}
