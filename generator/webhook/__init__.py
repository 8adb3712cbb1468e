"""The MLflow webhook receiver: registry events trigger a sync within seconds.

`signature` verifies MLflow's HMAC signatures (and refuses stale or replayed deliveries),
`events` parses payloads and decides which ones can change what is deployed, `debounce` folds
bursts into one run, `runner` runs the sync itself (self-hosted) or asks GitHub Actions to
(`repository_dispatch`), `server` is the HTTP endpoint with /healthz and /metrics, and
`register` creates or updates the webhook in MLflow. The cron schedule stays the safety net.
"""
