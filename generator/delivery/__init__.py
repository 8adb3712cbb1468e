"""Deliver a run: commit and push race-safely (`flow`), pull requests (`pullrequests`, through a
`provider.Provider` that `providers` picks per push remote: `github`, the only GitHub client, or
`gitlab`, the only GitLab client), commit messages, and write-back to MLflow (`writeback`)."""
