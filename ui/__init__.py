"""Pure UI logic for Attention Lab: config / traces in → plotly figures and tables out.

Nothing here imports Streamlit, so every function can be unit-tested and reused by any page;
``app.py`` and ``views/`` only lay these results out and hold widget state.
"""
