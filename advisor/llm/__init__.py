"""Text generators behind one small protocol, registered by name (see registry.py)."""
