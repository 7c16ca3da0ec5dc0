"""Question sets: evaluation questions with their reference answers, in one home.

The set itself (model.py), the one reader of question files (files.py), the tune / test
halves (split.py), and sets made from a collection's own documents: its checkable facts
(facts.py) and the questions a person would ask about them (generate.py)."""
