"""How work moves through the course: released to students, collected, autograded.

nbgrader's own steps made safe (the release's stubs, the hardened exchange,
the ``nbgrader autograde`` preprocessors and their reads) and ``grader
autograde``'s batch through the sealed engine. Both batch paths build the
same autograded notebook and record into the gradebook through
:mod:`grader.course.records`.
"""
