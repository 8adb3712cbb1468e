from __future__ import annotations

import base64

import pytest

from generator.errors import ModelGitopsError, redact, shorten


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


def test_a_secret_with_a_trailing_newline_is_hidden_in_its_stripped_form_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODEL_GITOPS_WEBHOOK_SECRET", "whsec-0123456789abcdef\n")  # `echo` into a file
    monkeypatch.setenv("GITHUB_TOKEN", "  ghp_padded_token_42\r\n")
    shown = redact("signed with whsec-0123456789abcdef; pushed with ghp_padded_token_42.")
    assert shown == "signed with ***; pushed with ***."


def basic(credentials: str) -> str:
    return base64.b64encode(credentials.encode()).decode()


def test_basic_auth_echoed_by_a_server_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "hunter2-correct-horse")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_0123456789abcdefghij")
    echoed = [
        f"401: {{'Authorization': 'Basic {basic('alice:hunter2-correct-horse')}'}}",
        f"headers: Authorization: Basic {basic('me:any-url-password')}",  # userinfo of a URL
        f"proxy-authorization={basic('bob:pw-9')}",
        f"echo {basic('x-access-token:ghp_0123456789abcdefghij')} back",  # Git over HTTPS to GitHub
        f"token as base64 {basic('ghp_0123456789abcdefghij')}",
        f"url {base64.urlsafe_b64encode(b'https://u:p4ss@host/x').decode()}",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "got 'Bearer ghp_0123456789abcdefghij' back",
    ]
    for text in echoed:
        shown = redact(text)
        assert "***" in shown, shown
        for secret in ("hunter2", "any-url-password", "pw-9", "ghp_", "p4ss", "eyJ"):
            assert secret not in shown
        for encoded in (basic("alice:hunter2-correct-horse"), basic("me:any-url-password")):
            assert encoded[:12] not in shown


def test_ordinary_text_is_left_alone() -> None:
    text = (
        "commit 0123456789abcdef0123456789abcdef01234567 of configuration_management; "
        "Basic authentication and Bearer tokens are supported; see http://mlflow:5000/#/models/a@b"
    )
    assert redact(text) == text


@pytest.mark.parametrize(
    "uri",
    [
        "s3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY@bucket/m",  # '/' in the secret
        "https://user:pa:ss@host/m",
        "gs://oauth2accesstoken@bucket/m",
    ],
)
def test_every_form_of_url_userinfo_is_hidden(uri: str) -> None:
    assert redact(f"see {uri} now") == f"see {uri.split('://')[0]}://***@{uri.rsplit('@', 1)[1]} now"


def test_signed_url_and_key_parameters_are_hidden() -> None:
    url = (
        "https://b.s3.amazonaws.com/m?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1"
        "&X-Amz-Security-Token=FwoG&X-Amz-Signature=abc123&sv=2022&sig=s1gn&key=AIzaSy"
    )
    assert redact(url) == (
        "https://b.s3.amazonaws.com/m?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***"
        "&X-Amz-Security-Token=***&X-Amz-Signature=***&sv=2022&sig=***&key=***"
    )


def test_truncation_happens_after_redaction_and_never_inside_a_word(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "tok-" + "7" * 40
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
    text = "x" * 150 + " " + token + " and more words"
    for limit in range(150, 200):
        shown = shorten(text, limit)
        assert len(shown) <= limit and "tok-" not in shown and "777" not in shown
    assert shorten(text, 200) == "x" * 150 + " *** and more words"
    unknown = "y" * 10 + " sk_live_UNKNOWNSECRETVALUE"  # a secret redact cannot recognise
    assert shorten(unknown, 20) == "y" * 10 + "..."
    assert shorten("short", 10) == "short"


def test_registry_and_prometheus_messages_never_hold_a_cut_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.errors import MetricsError, RegistryError
    from generator.metrics.prometheus import _short
    from generator.registry.reader import _explain

    token = "tok-" + "9" * 40
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
    failure = Exception("w" * 185 + " " + token)  # the token straddles the old 160/200-char cut
    shown = RegistryError(*_explain("http://mlflow", failure)).one_line()
    assert "tok-" not in shown and "999" not in shown
    assert "tok-" not in MetricsError(_short(failure)).one_line()
