"""The RAG demo pipeline: load, chunk, embed, store, search, answer with citations."""
