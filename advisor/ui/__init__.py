"""Streamlit pages: thin faces over the package. Only this package imports streamlit."""
