"""Keep `pytest --nbval` off the student notebooks: they have no outputs to compare with.

tests/test_student_notebooks.py executes each of them instead (smoke mode, every exercise left undone).
"""
collect_ignore_glob = ["*.ipynb"]
