"""Signature verification of MLflow webhook deliveries: good, bad, stale, replayed, malformed."""

from __future__ import annotations

import pytest

from generator.errors import ConfigError
from generator.webhook.signature import Rejected, ReplayCache, Verifier, load_secret, sign

SECRET = "s3cret-s3cret-s3cret"
DELIVERY = "0b7c3a52-3f1e-4c41-9d0e-6a7d1c2b9e10"
SENT = 1767603600
BODY = (
    b'{"entity": "model_version_alias", "action": "created", "timestamp": "2026-01-05T09:00:00+00:00", '
    b'"data": {"name": "fraud-detector", "alias": "champion", "version": "3"}}'
)
# What MLflow 3.17's sender (mlflow.webhooks.delivery._generate_hmac_signature) produces for the above.
MLFLOW_SIGNATURE = "v1,iVlnzARWO1WFY3ET54d2xrM3lbhdcsNA+8pYcbaRc0c="


def headers(signature: str = MLFLOW_SIGNATURE, delivery: str = DELIVERY, sent: int = SENT) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-MLflow-Delivery-Id": delivery,
        "X-MLflow-Timestamp": str(sent),
        "X-MLflow-Signature": signature,
    }


def rejection(verifier: Verifier, hdrs: dict[str, str], body: bytes = BODY, now: float = SENT) -> str:
    with pytest.raises(Rejected) as caught:
        verifier.verify(hdrs, body, now)
    return caught.value.reason


def test_sign_matches_mlflows_sender() -> None:
    assert sign(SECRET, DELIVERY, str(SENT), BODY) == MLFLOW_SIGNATURE


def test_good_delivery_is_accepted_and_headers_are_case_insensitive() -> None:
    verified = Verifier(SECRET).verify({k.lower(): v for k, v in headers().items()}, BODY, SENT + 5)
    assert (verified.delivery_id, verified.timestamp) == (DELIVERY, SENT)


def test_several_signatures_one_valid_is_accepted() -> None:
    hdrs = headers(signature=f"v1,AAAA v2,whatever {MLFLOW_SIGNATURE}")
    assert Verifier(SECRET).verify(hdrs, BODY, SENT).delivery_id == DELIVERY


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "v1,iVlnzARWO1WFY3ET54d2xrM3lbhdcsNA+8pYcbaRc0d="},  # one character off
        {"signature": MLFLOW_SIGNATURE.replace("v1,", "v2,")},  # another scheme
        {"signature": "v1,not base64!"},
        {"delivery": "0b7c3a52-3f1e-4c41-9d0e-6a7d1c2b9e11"},  # signed for another delivery
        {"sent": SENT + 1},  # signed for another time
    ],
)
def test_bad_signature_is_rejected(change: dict) -> None:
    assert rejection(Verifier(SECRET), headers(**change)) == "bad_signature"


def test_tampered_body_and_wrong_secret_are_rejected() -> None:
    assert rejection(Verifier(SECRET), headers(), BODY.replace(b'"3"', b'"4"')) == "bad_signature"
    assert rejection(Verifier(SECRET + "x"), headers()) == "bad_signature"


def test_unsigned_and_malformed_headers_are_rejected() -> None:
    unsigned = headers()
    del unsigned["X-MLflow-Signature"]
    assert rejection(Verifier(SECRET), unsigned) == "unsigned"
    no_id = headers()
    del no_id["X-MLflow-Delivery-Id"]
    assert rejection(Verifier(SECRET), no_id) == "malformed"
    assert rejection(Verifier(SECRET), {**headers(), "X-MLflow-Timestamp": "12.5"}) == "malformed"
    assert rejection(Verifier(SECRET), headers(delivery="x" * 500)) == "malformed"
    for odd in ("two words", "line\nbreak", "bidi\u202e", "caf\u00e9"):  # ids are visible ASCII
        assert rejection(Verifier(SECRET), headers(delivery=odd)) == "malformed"


@pytest.mark.parametrize("offset", [301, 3600, -301])
def test_stale_or_future_timestamp_is_rejected(offset: int) -> None:
    sent = SENT - offset
    hdrs = headers(signature=sign(SECRET, DELIVERY, str(sent), BODY), sent=sent)
    assert rejection(Verifier(SECRET, tolerance=300), hdrs, now=SENT) == "stale_timestamp"


def test_timestamp_at_the_edge_of_the_tolerance_is_accepted() -> None:
    assert Verifier(SECRET, tolerance=300).verify(headers(), BODY, SENT + 300).timestamp == SENT


def test_replayed_delivery_is_rejected_even_when_fresh() -> None:
    verifier = Verifier(SECRET)
    verifier.verify(headers(), BODY, SENT)
    assert rejection(verifier, headers(), now=SENT + 1) == "replayed"
    other = "1b7c3a52-3f1e-4c41-9d0e-6a7d1c2b9e10"
    assert (
        verifier.verify(headers(sign(SECRET, other, str(SENT), BODY), other), BODY, SENT).delivery_id == other
    )


def test_rejected_delivery_does_not_burn_its_id() -> None:
    verifier = Verifier(SECRET)
    assert rejection(verifier, headers(signature="v1,AAAA")) == "bad_signature"
    assert verifier.verify(headers(), BODY, SENT).delivery_id == DELIVERY


def test_replay_cache_is_bounded_and_forgets_ids_once_they_would_be_stale() -> None:
    cache = ReplayCache(ttl=10, max_entries=3)
    assert all(cache.add(f"id-{i}", now=0) for i in range(5))
    assert len(cache) == 3
    assert not cache.add("id-4", now=1)
    assert cache.add("id-0", now=1)  # evicted by size
    assert cache.add("id-4", now=11)  # expired
    assert len(cache) <= 3


def test_replayed_id_outlives_the_tolerance_window() -> None:
    """An id accepted at the far edge stays remembered for as long as its timestamp is fresh."""
    verifier = Verifier(SECRET, tolerance=300)
    verifier.verify(headers(), BODY, SENT - 300)  # sent 300 s "in the future"
    assert rejection(verifier, headers(), now=SENT + 300) == "replayed"


def test_secret_comes_from_the_environment_and_must_be_long_enough() -> None:
    assert load_secret({"MODEL_GITOPS_WEBHOOK_SECRET": SECRET}) == SECRET
    for environ in ({}, {"MODEL_GITOPS_WEBHOOK_SECRET": "short"}):
        with pytest.raises(ConfigError, match="MODEL_GITOPS_WEBHOOK_SECRET"):
            load_secret(environ)
    with pytest.raises(ValueError):
        Verifier("")


def test_a_secret_that_is_not_utf8_is_refused_at_start() -> None:
    """os.environ carries undecodable bytes as lone surrogates; HMAC could not encode them later."""
    with pytest.raises(ConfigError, match="UTF-8"):
        load_secret({"MODEL_GITOPS_WEBHOOK_SECRET": "\udcff" + SECRET})
