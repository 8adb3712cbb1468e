"""Remembered artifact locations: a full run keeps what it used, a scoped run adds, bad files are ignored."""

from __future__ import annotations

from pathlib import Path

from generator.registry.locations import Locations

URI = "https://user:secret@mlflow.example.com"


def remembered(cache: Path, used: dict[str, str], scoped: bool) -> dict[str, str]:
    locations = Locations(cache, URI)
    locations.recall("logged_models", used)
    locations.remember("logged_models", {key: value for key, value in used.items() if value})
    locations.save(scoped)
    return Locations(cache, URI).known["logged_models"]


def test_a_full_run_keeps_what_it_used_and_a_scoped_run_adds(tmp_path: Path) -> None:
    assert remembered(tmp_path, {"m-1": "s3://a/1", "m-2": "s3://a/2"}, scoped=False) == {
        "m-1": "s3://a/1",
        "m-2": "s3://a/2",
    }
    assert remembered(tmp_path, {"m-3": "s3://a/3"}, scoped=True) == {
        "m-1": "s3://a/1",
        "m-2": "s3://a/2",
        "m-3": "s3://a/3",
    }
    assert remembered(tmp_path, {"m-2": ""}, scoped=False) == {"m-2": "s3://a/2"}  # recalled, so kept


def test_the_file_names_no_credentials_and_a_broken_file_is_ignored(tmp_path: Path) -> None:
    remembered(tmp_path, {"m-1": "s3://a/1"}, scoped=False)
    (stored,) = (tmp_path / "registry-locations").iterdir()
    assert "secret" not in stored.name and "secret" not in stored.read_text()
    stored.write_text("{not json")
    assert Locations(tmp_path, URI).known == {"logged_models": {}, "runs": {}}
    assert Locations(None, URI).recall("runs", ["r"]) == {}
    assert Locations(tmp_path, "http://other").known["logged_models"] == {}
