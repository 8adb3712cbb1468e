"""The MLflow webhook receiver: registry events trigger a sync within seconds.

`signature` verifies MLflow's HMAC signatures (and refuses stale or replayed deliveries, whose
ids `replay` keeps across restarts), `events` parses payloads and decides which ones can change
what is deployed, `debounce` folds bursts into one run, `runner` runs the sync itself
(self-hosted) or asks GitHub Actions to (`repository_dispatch`), `server` answers deliveries,
/healthz and /metrics, `listener` is the bounded HTTP server (waitress) around it, `throttle`
keeps hostile traffic from flooding the log, and `register` creates or updates the webhook in
MLflow. The cron schedule stays the safety net.
"""

MODES = ("self-hosted", "actions")  # where a batch's run happens (here, not in `service`: cheap to import)
