"""Data for training: corpora, sentence pairs, masking, labelled sets and seq2seq tasks (no Streamlit)."""
