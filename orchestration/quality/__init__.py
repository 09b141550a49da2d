"""Data-quality machinery shared by every source."""
