"""Victim satisfaction surveys: format, raw asset and its suite."""
