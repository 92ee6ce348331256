"""The checks of the ten graded functions, defined once for every grading path.

Specs and cases (:mod:`.graded_functions`), reference outputs (:mod:`.reference`,
the only module that runs the hidden reference), comparison (:mod:`.compare`),
judging (:mod:`.judge`), the facts a verdict may state and their Russian
(:mod:`.facts`), results (:mod:`.results`) and the texts of results
(:mod:`.verdicts`). Pure: no processes, no files, no gradebook. May use
``grader.plain`` and ``reference_solution``.
"""
