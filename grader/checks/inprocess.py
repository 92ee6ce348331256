"""Check a function in the current process: the notebook's hidden tests and the test suite.

This path trusts the process it runs in; the sealed engine (``grader.sandbox``)
judges the same specs with the same functions, student code in a separate,
limited process.
"""

from ..plain.calls import call, isolate
from .graded_functions import BY_NAME
from .judge import judge_case, judge_function, missing
from .reference import cases_for, helper_replacements, slips_for
from .verdicts import function_report


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


def grade(name, namespace):
    """The notebook's hidden tests: grade ``name`` from ``namespace``; return the points earned.

    The report is printed in Russian and the score is the cell's value, which
    nbgrader reads as partial credit.
    """
    function = namespace.get(name)
    result = check_function(name, function) if callable(function) else missing(name)
    print(function_report(result))
    return result.score
