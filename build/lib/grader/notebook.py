"""Entry point of the hidden tests in the course notebook.

A graded test cell ends with ``grade("<name>", globals())``: the report is
printed in Russian and the score is the cell's value, which nbgrader reads as
partial credit.
"""

from .checking import check_function, missing
from .report import function_report


def grade(name, namespace):
    """Grade the student's ``name`` found in ``namespace``; return the points earned."""
    function = namespace.get(name)
    result = check_function(name, function) if callable(function) else missing(name)
    print(function_report(result))
    return result.score
