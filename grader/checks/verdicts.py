"""Russian text for students, from results: the words live in :mod:`grader.client`.

The standalone client a student downloads renders a result from its JSON; the
gradebook's comments, the autograded notebooks and ``grader check`` use the
same functions on the same JSON, so the words never differ between paths.
"""

from ..client import markdown, points, report  # noqa: F401 -- points: the one way a score is written
from ..client import function_text


def function_report(result):
    """One function's verdict (a :class:`~.results.FunctionResult`)."""
    return function_text(result.to_json())


def check_report(result):
    """What ``grader check`` prints for a :class:`~.results.SubmissionResult`."""
    return report(result.to_json())


def markdown_summary(result, notebook):
    """A GitHub step summary of a :class:`~.results.SubmissionResult`."""
    return markdown(result.to_json(), notebook)
