"""Batch work over settled data: statistics, post-event audit, what-if replays."""
