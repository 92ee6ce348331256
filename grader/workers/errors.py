"""Why grading could not start on the workers asked for."""


class ClusterUnavailable(Exception):
    """The Dask scheduler cannot be reached (nothing has been graded or written)."""
