"""RAG-vs-fine-tuning advisor: decide, cost and demo the approaches on your own data.

Importing the package stays light: no torch, transformers or chromadb here.
"""

__version__ = "0.1.0"
