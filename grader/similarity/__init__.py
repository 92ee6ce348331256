"""Similar work: submissions copied between classmates or from known (public) solutions.

Compares every student's latest submission with every other and with the
known sources an instructor collected, function by function: their code after
the usual disguises are undone, and their behaviour (the same wrong outputs on
the grader's hidden cases), each weighted by how rare it is. May use
``grader.course`` (the class's submissions, stored grading results, grading
again in the sealed engine), ``grader.workers``, ``grader.sandbox``,
``grader.submission`` (safe reading), ``grader.checks`` and ``grader.plain``;
it never runs student code itself.
"""

THRESHOLD = 0.5  # a pair scoring this or more is flagged (README: the benchmark behind it)
