"""A bounded window of work in flight: results as they finish, memory flat."""

import itertools


def windowed(items, submit, first_done, size):
    """Yield (item, future) as futures finish, with at most ``size`` submitted and unfinished.

    ``submit(item)`` returns a future; ``first_done(futures)`` waits until at
    least one of them is done and returns the done ones.
    """
    pending, queue = {}, iter(items)
    while True:
        for item in itertools.islice(queue, max(0, size - len(pending))):
            pending[submit(item)] = item
        if not pending:
            return
        for future in first_done(list(pending)):
            yield pending.pop(future), future
