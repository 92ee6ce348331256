"""Natural order of student ids: ``Студент2`` before ``Студент10``."""

import re


def natural_key(text):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
            for part in re.split(r"(\d+)", text) if part]
