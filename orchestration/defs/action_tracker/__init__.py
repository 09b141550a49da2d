"""The delivery action tracker: the plan's actions and their leads' updates, board by board."""
