"""Check a function in the current process: the test suite's fast path.

It trusts the process it runs in, so no grading path uses it: they all run
student code in the sealed engine (``grader.sandbox``), which judges with the
same specs and the same functions.
"""

from ..plain.calls import call, isolate
from .graded_functions import BY_NAME
from .judge import judge_case, judge_function, missing
from .reference import cases_for, helper_replacements, slips_for


def check_function(name, function):
    """Check ``function`` as the student's ``name``; return a :class:`FunctionResult`."""
    spec = BY_NAME[name]
    if not callable(function):
        return missing(name)
    isolated = isolate(function, helper_replacements(name))
    results = [judge_case(spec, case, expected, call(isolated, case.args, case.kwargs),
                          lambda case=case: slips_for(name, case))
               for case, expected in cases_for(name)]
    return judge_function(spec, results)
