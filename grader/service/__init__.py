"""The grading service: students and CI submit to the course's server and get the verdict.

A web front (:mod:`.app`, FastAPI on uvicorn) and a queue in the gradebook's
own database (:mod:`.store`), worked off by one grading loop
(:mod:`.dispatcher`) on this machine's processes or a Dask cluster. The
hidden reference and cases stay on the server: students get verdicts, and the
standard-library client (``grader.client``). The top of the package beside
the CLI: may use every wing below it.
"""
