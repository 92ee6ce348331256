"""What the gradebook counts of a graded submission: plain data the recorder, its writer and the resubmission policy share.

Its own module so that the gradebook, the writer that makes it and the policy
that compares two of them import it without importing one another.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Counted:
    """A graded submission as the gradebook counts it: how late (past due date and extension), its penalty, its score after it."""

    seconds_late: float
    penalty: float
    score: float

    @property
    def on_time(self):
        return self.seconds_late <= 0

    def shown(self, result_json):
        """A verdict's JSON as a student is shown it once recorded: the score that counts, and how late it was."""
        from ...client import late_json

        if self.seconds_late <= 0:
            return result_json
        return dict(result_json, score=round(self.score, 6),
                    late=late_json(self.seconds_late, self.penalty, self.score, result_json["max_score"]))
