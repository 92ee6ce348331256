"""Autograder for the lab «Создание Глубокой нейронной сети: Шаг за шагом».

The package is built in wings, each a subpackage that may import only the
wings below it (``pyproject.toml``'s import contract enforces this):

* ``grader.cli`` -- the ``grader`` command line, on top;
* ``grader.service`` -- the grading service: HTTP front, queue, grading loop;
* ``grader.course`` -- nbgrader's side: course paths, the release, batch
  autograde into the gradebook, feedback, export, the class report;
* ``grader.workers`` -- where submissions are graded: this machine's process
  pool, or a Dask cluster with a zygote per worker;
* ``grader.sandbox`` -- where student code runs: the zygote, the sealed child,
  the session that drives it, the engine that grades one submission;
* ``grader.submission`` -- a submitted file read safely, its answer cells found;
* ``grader.checks`` -- the ten functions' specs, cases, reference outputs,
  comparison, judging and Russian verdicts: pure, no processes, no files;
* ``grader.plain`` -- plain data, what crosses the sealed boundary: the value
  codec, framed messages, a call's outcome;
* ``grader.client`` -- the student's side, standard library only: the client
  the service hands out, and the Russian texts of a result.

The student side of the sandbox (``grader.sandbox.child`` and
``grader.sandbox.calls``, the code in the sealed child) imports only
``grader.plain`` and numpy: never the checks, the reference or nbgrader.
"""
