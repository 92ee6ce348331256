"""A bounded window of work in flight: results as they finish, memory flat."""

_END = object()


def windowed(items, submit, first_done, size):
    """Yield (item, future) as futures finish, with at most ``size`` submitted and unfinished.

    ``submit(item)`` returns a future; ``first_done(futures)`` waits a little
    for some to finish and returns those done (maybe none). ``items`` may be a
    live queue that yields None for "nothing to start now": then, with nothing
    in flight either, (None, None) is yielded -- an idle tick for the caller
    to wait on its own terms -- and the queue is asked again.
    """
    pending, queue, exhausted = {}, iter(items), False
    while True:
        while not exhausted and len(pending) < size:
            item = next(queue, _END)
            if item is _END:
                exhausted = True
            elif item is None:
                break
            else:
                pending[submit(item)] = item
        if not pending:
            if exhausted:
                return
            yield None, None
            continue
        for future in first_done(list(pending)):
            yield pending.pop(future), future
