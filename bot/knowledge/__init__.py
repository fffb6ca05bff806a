"""Vetted running knowledge: the entries the coach answers from, and their retrieval index."""
