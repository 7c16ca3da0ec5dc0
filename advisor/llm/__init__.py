"""Text generators behind one small protocol: the embedded model and an Ollama server."""
