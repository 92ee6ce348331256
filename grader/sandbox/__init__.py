"""Where student code runs, and the only place it runs.

Student side, inside the sealed child: :mod:`.child` (the zygote's loop and
the child's service) and :mod:`.calls` (calling a student function on copies).
These import only ``grader.plain`` and numpy.

Parent side, trusted: :mod:`.zygote` starts the clean interpreter that forks
children, :mod:`.session` drives one child per submission with deadlines, and
:mod:`.engine` grades one submission with ``grader.checks``. May use
``grader.submission``, ``grader.checks`` and ``grader.plain``.
"""
