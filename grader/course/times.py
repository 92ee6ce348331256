"""Submission times read exactly as nbgrader reads them, without importing nbgrader.

``nbgrader.utils.parse_utc`` is a few lines over dateutil, but importing it
imports nbgrader's package, whose ``__init__`` loads its Jupyter server
extensions (tornado, jupyter_server, nbconvert, the exchange): most of what
``grader autograde`` spent before grading anyone. The same rule is kept here;
``tests/test_nbgrader_steps.py`` holds it to nbgrader's on many inputs.
"""

from datetime import datetime


def parse_utc(text):
    """``text`` (nbgrader's ``timestamp.txt`` form, or any time dateutil reads) as a naive UTC datetime.

    A third space-separated part is a zone: a whole number of hours east, or a
    zone name (``UTC``, ``Europe/Moscow``). Raises ValueError, OverflowError or
    TypeError on what is not a time, as nbgrader does.
    """
    import dateutil.parser
    import dateutil.tz

    if isinstance(text, datetime):
        moment = text
    else:
        parts = text.split(" ")
        if len(parts) == 3:
            try:
                zone = int(parts[2])
            except ValueError:
                zone = dateutil.tz.gettz(parts[2])
            moment = dateutil.parser.parse(" ".join(parts[:2] + ["TZ"]), tzinfos={"TZ": zone})
        else:
            moment = dateutil.parser.parse(text)
    if moment.tzinfo is not None:
        moment = (moment - moment.utcoffset()).replace(tzinfo=None)
    return moment


def is_time(text):
    """Whether nbgrader can read ``text`` as a time (it raises on anything else)."""
    try:
        parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        return False
    return bool(text)
