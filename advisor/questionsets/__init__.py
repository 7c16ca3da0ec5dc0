"""Question sets made from a collection's own documents: its checkable facts
(facts.py) and the questions a person would ask about them (generate.py)."""
