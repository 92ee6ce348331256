"""Where this course's gradebook and cluster are: read from nbgrader's own config.

The course's ``nbgrader_config.py`` is the one place that says where the
gradebook is (``CourseDirectory.db_url``), so nbgrader's commands and ours
always agree. It reads ``grader_settings.json`` beside it, which ``grader
config`` writes (``GRADER_DB_URL`` in the environment overrides the file):

    grader config db-url postgresql://grader@db.example.org/dnn
    grader config scheduler tcp://scheduler.example.org:8786
    grader config resubmission best          (which submission counts: .resubmission)

The file may hold a database password: it is created readable by its owner only.
``nbgrader_config.py`` is Python that nbgrader's loader runs as the caller: it is
loaded only when no one but the caller or root could have written it (:mod:`.trust`).
"""

import json
import os
from functools import lru_cache
from pathlib import Path

from .trust import trusted_files

SETTINGS_FILE = "grader_settings.json"
KNOWN = {"db-url": "db_url", "scheduler": "scheduler", "resubmission": "resubmission"}  # see .resubmission


def settings(course):
    """The course's ``grader_settings.json`` as a dict ({} when there is none).

    It says where grades are written and read (the gradebook's URL) and where
    the work is graded (the scheduler), so like ``nbgrader_config.py`` it is
    read only when no one but the caller or root could have written it:
    :class:`~.trust.UntrustedCourse` otherwise.
    """
    path = Path(course) / SETTINGS_FILE
    if os.path.lexists(path):
        path = trusted_files(course, [SETTINGS_FILE]) / SETTINGS_FILE  # read where it was checked
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    return data if isinstance(data, dict) else {}


def write_setting(course, key, value):
    """Set (or with ``value`` None, remove) one setting; the file stays private to its owner."""
    data = settings(course)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    from .files import replaced

    with replaced(Path(course) / SETTINGS_FILE) as out:  # mkstemp: 0600
        json.dump(data, out, indent=1)
    _config.cache_clear()


def db_url(course):
    """The gradebook's SQLAlchemy URL: the course's ``CourseDirectory.db_url``, as nbgrader sees it."""
    url = _config(str(Path(course).resolve())).CourseDirectory.get("db_url")
    return url or "sqlite:///" + str(Path(course).resolve() / "gradebook.db")  # nbgrader's own default


def certificates_folder(course):
    """Where the course keeps its Dask cluster's certificates (``grader config certificates``)."""
    return Path(course).resolve() / ".grader" / "certificates"


def scheduler(course):
    """The Dask scheduler of ``grader config scheduler``, or None (grade on this machine)."""
    return os.environ.get("GRADER_SCHEDULER") or settings(course).get("scheduler") or None


def course_config(course):
    """The course's nbgrader configuration (a traitlets Config)."""
    return _config(str(Path(course).resolve()))


@lru_cache(maxsize=8)
def _config(course):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config_file = Path(course) / "nbgrader_config.py"
    if not config_file.exists():
        return Config()
    # nbgrader's loader runs it, and it reads grader_settings.json: UntrustedCourse when others could write either
    read = [config_file.name, SETTINGS_FILE] if os.path.lexists(Path(course) / SETTINGS_FILE) else [config_file.name]
    trusted_files(course, read)
    return PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()


def warn_if_open(course, stream=None, _said=set()):
    """Say (once a process) when other users of this machine may read the course: its gradebook, everyone's work.

    Only of a course (a folder with ``nbgrader_config.py``): a command run elsewhere says it is not
    in a course, not how to make a stranger's folder private."""
    import sys

    try:
        mode = os.stat(course).st_mode
        os.stat(Path(course) / "nbgrader_config.py")
    except OSError:
        return
    folder = str(Path(course).resolve())
    if mode & 0o077 and folder not in _said:
        _said.add(folder)
        print("warning: the course folder {} is open to other users of this machine (mode {:o}); `chmod 700 {}` "
              "keeps grades and students' work private".format(folder, mode & 0o777, folder),
              file=stream or sys.stderr)


def safe_url(url):
    """``url`` fit to print: its password masked."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<a database URL that cannot be parsed>"
