"""Decide what should be deployed, pure: the planner, the rollout state machine and its gates,
guards against damage, per-model quarantine, names and storage URIs. Plain data in, plain data out."""
