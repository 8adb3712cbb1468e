"""Deliver a run: commit and push race-safely (`flow`), pull requests (`pullrequests`, through the
only GitHub client, `github`), commit messages, and write-back to MLflow (`writeback`)."""
