"""Placeholder: this page is being written."""
import streamlit as st

st.title("multi_head")
