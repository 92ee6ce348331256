"""Plain data: what crosses the boundary between student code and the grader.

Values as JSON-safe plain data (:mod:`.codec`), length-prefixed messages over a
socket (:mod:`.framing`) and a call's :class:`~.outcome.Outcome`. Standard
library and numpy only; imports no other wing, so both sides of the sealed
boundary can use it.
"""
