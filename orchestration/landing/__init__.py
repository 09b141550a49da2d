"""The life of a delivered file, shared by every source.

Detect, hash, archive, quarantine, manifest.
"""
