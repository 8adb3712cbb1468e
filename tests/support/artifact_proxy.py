"""A stand-in of MLflow's artifact proxy on 127.0.0.1: serves files by path, fails on demand, and
records every request with its headers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.local_http import QuietHandler, serving

ROOT = "/api/2.0/mlflow-artifacts/artifacts"


@dataclass
class ArtifactProxy:
    """What the stand-in serves (path -> text), answers first (path -> statuses), and saw."""

    url: str = ""
    files: dict[str, str] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return sorted(path for path, _ in self.seen)

    def answer(self, path: str) -> tuple[int, str | None]:
        with self.lock:
            statuses = self.failures.get(path) or []
            if statuses:
                return statuses.pop(0), None
        return (200, self.files[path]) if path in self.files else (404, None)


@contextmanager
def artifact_proxy() -> Iterator[ArtifactProxy]:
    state = ArtifactProxy()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.seen.append((self.path, dict(self.headers.items())))
            status, text = state.answer(self.path)
            if text is not None:
                self.answer(status, text, "text/plain")
            else:
                self.answer(status, {"error_code": "RESOURCE_DOES_NOT_EXIST" if status == 404 else "ERROR"})

    with serving(Handler) as url:
        state.url = url
        yield state
