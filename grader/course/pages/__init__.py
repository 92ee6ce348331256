"""What the course hands out, read from the gradebook: feedback pages, the class report, exports.

Nothing here grades or writes grades: pages and files are built from what
:mod:`grader.course.records` holds, with Jinja2 templates that escape every value.
"""
