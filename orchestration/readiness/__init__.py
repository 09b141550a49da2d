"""Delivery-board readiness: which metrics are not ready for a board, and telling their leads."""
