"""A submitted notebook on the trusted side: read safely, its answer cells found.

No student code runs here: the file is parsed as data (:mod:`.reading`) and the
answer cell of each graded function is picked out (:mod:`.answers`) for the
sandbox to run. May use ``grader.checks`` (the function names) and
``grader.plain``.
"""
