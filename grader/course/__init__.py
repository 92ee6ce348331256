"""nbgrader's side of the course: everything that knows about its folders and gradebook.

Four roles, each a subpackage, each importing only those below it
(``[tool.importlinter]`` in pyproject.toml keeps the order):

* :mod:`.pages` -- what the course hands out: feedback pages, the class report, exports;
* :mod:`.steps` -- how work moves through the course: the release, collect, autograding
  (nbgrader's steps and ``grader autograde``'s batch);
* :mod:`.records` -- the class's state: the gradebook, which submission counts, extensions, the roster;
* :mod:`.base` -- what a course is: its folders, settings, release, and whose code may run.

May use every wing below it: ``grader.workers``, ``grader.sandbox``,
``grader.submission``, ``grader.checks``, ``grader.plain``.
"""
