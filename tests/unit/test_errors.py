from __future__ import annotations

import pytest

from generator.errors import ModelGitopsError, redact


def test_url_credentials_are_hidden() -> None:
    assert redact("push to https://x-access-token:ghp_abc@github.com/o/r failed") == (
        "push to https://***@github.com/o/r failed"
    )


def test_token_parameters_are_hidden() -> None:
    assert redact("GET /api?token=abc123&x=1") == "GET /api?token=***&x=1"


def test_known_secret_variables_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok-4242-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_zzzzzz")
    error = ModelGitopsError("request with tok-4242-secret failed", "retry with ghp_zzzzzz")
    assert error.one_line() == "request with *** failed: retry with ***"
