"""Where this course's gradebook and cluster are: read from nbgrader's own config.

The course's ``nbgrader_config.py`` is the one place that says where the
gradebook is (``CourseDirectory.db_url``), so nbgrader's commands and ours
always agree. It reads ``grader_settings.json`` beside it, which ``grader
config`` writes (``GRADER_DB_URL`` in the environment overrides the file):

    grader config db-url postgresql://grader@db.example.org/dnn
    grader config scheduler tcp://scheduler.example.org:8786
    grader config resubmission best          (which submission counts: grader.course.records.resubmission)

A :class:`~.course.Course` reads both once, when first asked. The file may hold
a database password: it is created readable by its owner only.
``nbgrader_config.py`` is Python that nbgrader's loader runs as the caller: it is
loaded only when no one but the caller or root could have written it (:mod:`.trust`).
"""

import json
import os
from pathlib import Path

from .config_names import check_config
from .trust import trusted_files

SETTINGS_FILE = "grader_settings.json"
KNOWN = {"db-url": "db_url", "scheduler": "scheduler", "resubmission": "resubmission"}  # see ..records.resubmission


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
    """Set (or with ``value`` None, remove) one setting; the file stays private to its owner.

    The file is read afresh (a :class:`~.course.Course` keeps what it read before: a fresh one reads this write).
    """
    data = settings(course)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    from .files import replaced

    with replaced(Path(course) / SETTINGS_FILE) as out:  # mkstemp: 0600
        json.dump(data, out, indent=1)


def certificates_folder(course):
    """Where the course keeps its Dask cluster's certificates (``grader config certificates``)."""
    return Path(course).resolve() / ".grader" / "certificates"


def load_config(course):
    """The nbgrader configuration of the course in the folder ``course`` (a traitlets Config), as nbgrader loads it.

    nbgrader's loader runs ``nbgrader_config.py``, which reads ``grader_settings.json``:
    :class:`~.trust.UntrustedCourse` when others could have written either;
    :class:`~.config_names.StaleCourseConfig` when it names parts of grader that do not exist.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config_file = Path(course) / "nbgrader_config.py"
    if not config_file.exists():
        return Config()
    read = [config_file.name, SETTINGS_FILE] if os.path.lexists(Path(course) / SETTINGS_FILE) else [config_file.name]
    trusted_files(course, read)
    check_config(config_file)  # one written for an earlier grader would skip its checks: refused before it runs
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
