"""Where submissions are graded: processes on this machine, or a Dask cluster.

Both give the same results for the same notebooks -- plain data back, student
code sealed in each machine's zygote -- and keep a bounded window of work in
flight, so memory stays flat however large the class. :mod:`.local` is the
default (a process pool, a zygote per process); :mod:`.dask_cluster` sends
notebooks to a Dask distributed scheduler, with a zygote per Dask worker. The
caller (``grader.course``) decides what to grade and records the results. May
use ``grader.sandbox``, ``grader.submission``, ``grader.checks`` and
``grader.plain``.
"""
