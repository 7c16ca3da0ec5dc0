"""An update or a forget applied to the user's documents, the questions re-asked, measured.

apply.py (apply_update, apply_forget), select.py (which questions), result.py
(ChangeResult, measures), setup.py (plans, retrain cost), text.py (the words). This file
stays empty: importing `change.result` (a saved run's schema) must not load the runner.
"""
