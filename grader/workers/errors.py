"""Why grading could not start, or go on, on the workers asked for."""


class ClusterUnavailable(Exception):
    """The Dask scheduler cannot be reached (nothing has been graded or written)."""


class WorkersUnavailable(Exception):
    """This machine's grading processes could not be started (a process or thread limit, no memory): nothing
    more can be graded now, whatever the submissions, so the run stops instead of waiting for results."""
