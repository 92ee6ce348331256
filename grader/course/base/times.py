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
    """Whether ``text`` is a submission time nbgrader reads (it raises on anything else), with a zone of sane name.

    The zone is checked first: dateutil opens a zone name as a file under its
    zone folder -- or anywhere, for an absolute path -- and python-dateutil 4
    raises a warning class for a name that climbs out of that folder. A student
    writes ``timestamp.txt``, so any failure at all means "not a time".
    """
    import warnings

    parts = text.split(" ")
    if len(parts) == 3 and not _sane_zone(parts[2]):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parse_utc(text)
    except Exception:  # noqa: BLE001 -- whatever dateutil raises on a student's text, it is not a time
        return False
    return bool(text)


def _sane_zone(zone):
    """A whole number of hours, or a zone name such as ``UTC`` or ``Europe/Moscow``: no path, no ``..``."""
    import re

    try:
        int(zone)
        return True
    except ValueError:
        return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]{0,40}(/[A-Za-z0-9_+-]{1,40}){0,2}", zone))
