"""The class's state: nbgrader's gradebook and the rules about what it holds.

Grades written as nbgrader writes them, which of a student's submissions
counts, whether a submission must be graded again, extensions and the roster.
Kept apart from the steps that grade and the pages that show, so that every
path reads and writes the class one way.
"""
