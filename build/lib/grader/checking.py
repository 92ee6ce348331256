"""Grade one function in the current process (the notebook's hidden tests).

This path trusts the process it runs in; the sealed engine (grader.engine)
grades the same specs with student code in a separate, limited process.
"""

from .functions import BY_NAME
from .invoke import call, isolate
from .judge import judge_case, judge_function
from .oracle import cases_for, helper_replacements, slips_for
from .results import MISSING, FunctionResult


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


def missing(name):
    spec = BY_NAME[name]
    return FunctionResult(name, 0.0, spec.points, MISSING,
                          "функция {} не найдена: выполните ячейку с её определением".format(name))
