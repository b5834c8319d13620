"""The Streamlit glue: the only part of ``ui/`` that imports Streamlit (views and app.py aside).

Everything else in ``ui/`` builds figures, tables and text from plain values, so it is unit-tested
without a browser or a Streamlit runtime."""
