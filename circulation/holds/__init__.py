"""Holds: a title's queue, pick lists and the hold shelf.

The model keeps app label ``circulation`` (imported by circulation/models.py).
"""
