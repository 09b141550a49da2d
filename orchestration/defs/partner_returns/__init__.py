"""Partner returns: figures supplied for metrics no system computes."""
