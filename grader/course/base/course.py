"""The course as one value, built once where a command, the service or an nbgrader run starts, and passed down.

A bare folder made every function below re-derive the same facts -- read
``grader_settings.json`` (checking who could have written it), run
``nbgrader_config.py`` for the gradebook's URL, read the release -- and cache
each by path string. A :class:`Course` reads each at most once, when first
asked (a command that never opens the gradebook never runs the course's
config), so a refusal such as :class:`~.trust.UntrustedCourse` still comes
from the first thing that needs the file. The settings alone are read again
when ``grader config`` has replaced the file: ``grader serve`` lives for weeks,
and the resubmission policy it grades by is the one the course has now (its
gradebook and scheduler stay those it started with).

It stands for its folder wherever a path is taken (``os.fspath``, ``str``): the
layout's path functions (:mod:`.layout`) take a course or a folder alike.
"""

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from .lab_context import lab_context, lab_folder
from .settings import SETTINGS_FILE, load_config, settings as read_settings


@dataclass(frozen=True)
class Course:
    root: Path  # resolved

    @classmethod
    def at(cls, folder):
        """The course in ``folder`` (nothing is read yet)."""
        return cls(Path(folder).resolve())

    def __fspath__(self):
        return str(self.root)

    def __str__(self):
        return str(self.root)

    @property
    def settings(self):
        """``grader_settings.json`` (read-only; empty when there is none); :class:`~.trust.UntrustedCourse` if others
        could have written it. Read once, and again only after the file changed (one ``stat`` a call)."""
        try:
            info = os.lstat(self.root / SETTINGS_FILE)
            version = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size)
        except FileNotFoundError:
            version = None
        read = self.__dict__.get("_settings")  # frozen: the cache goes where cached_property puts its own
        if read is None or read[0] != version:
            read = self.__dict__["_settings"] = (version, MappingProxyType(read_settings(self.root)))
        return read[1]

    @cached_property
    def config(self):
        """The course's nbgrader configuration (a traitlets Config): its ``nbgrader_config.py``, run once."""
        return load_config(self.root)

    @cached_property
    def db_url(self):
        """The gradebook's SQLAlchemy URL: the course's ``CourseDirectory.db_url``, as nbgrader sees it."""
        url = self.config.CourseDirectory.get("db_url")
        return url or "sqlite:///" + str(self.root / "gradebook.db")  # nbgrader's own default

    @property
    def scheduler(self):
        """The Dask scheduler of ``grader config scheduler`` (``GRADER_SCHEDULER`` first), or None: grade on this machine."""
        return os.environ.get("GRADER_SCHEDULER") or self.settings.get("scheduler") or None

    @cached_property
    def lab(self):
        """The :class:`~grader.plain.lab.LabContext` of the course's release; :class:`~.lab_context.NoCourse` without one."""
        return lab_context(lab_folder(self.root))
