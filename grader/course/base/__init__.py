"""What a course is, read from its folder: where its parts are, its settings, its release, whose code may run.

Every other role of the course builds on these and none of them on another
role, so a course folder means the same thing to the batch, the gradebook and
the pages.
"""
