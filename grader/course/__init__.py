"""nbgrader's side of the course: everything that knows about its folders and gradebook.

Course paths (:mod:`.layout`), the student release (:mod:`.release`), steps of
``nbgrader autograde`` (:mod:`.autograde_steps`), the sealed batch
(:mod:`.batch`) writing the gradebook (:mod:`.gradebook`) and the autograded
notebooks (:mod:`.autograded`), then feedback, export and the class report.
Where the gradebook and the cluster are: :mod:`.settings` (nbgrader's own
config). May use every wing below it: ``grader.workers``, ``grader.sandbox``,
``grader.submission``, ``grader.checks``, ``grader.plain``.
"""
