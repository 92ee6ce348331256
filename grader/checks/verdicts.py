"""Russian text for students, from results: the words live in :mod:`grader.client`.

The standalone client a student downloads renders a result from its JSON; the
gradebook's comments, the autograded notebooks and ``grader check`` use the
same functions on the same JSON, so the words never differ between paths.
"""

from ..client import function_text, points  # noqa: F401 -- points: the one way a score is written


def function_report(result):
    """One function's verdict (a :class:`~.results.FunctionResult`)."""
    return function_text(result.to_json())


def output_cut(printed, kept):
    """The note on a submission whose answer cells printed ``printed`` bytes, past the ``kept`` a child keeps."""
    return "вывод ячеек обрезан: напечатано {:.10g} МБ, сверх {:.10g} МБ отброшено".format(
        round(printed / 2 ** 20, 1), round(kept / 2 ** 20, 1))
