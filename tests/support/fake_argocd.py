"""An HTTP stand-in for the Argo CD API on 127.0.0.1, from its documented shapes.

`GET /api/v1/applications/{name}` with `Authorization: Bearer <token>` answers the Application:
`{"metadata": {"name"}, "status": {"health": {"status"}, "sync": {"status", "revision"},
"resources": [{"group", "version", "kind", "namespace", "name", "status", "health": {"status",
"message"}}]}}` (Argo CD's `v1alpha1.Application`, `ResourceStatus`); 401 without the token,
404 `{"error": "... not found", "code": 5}` for an unknown application.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

TOKEN = "argocd-test-token"


@dataclass
class FakeArgoCD:
    url: str = ""
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def set_resources(self, name: str, namespace: str, resources: list[tuple[str, str, str]]) -> None:
        """`resources`: (kind, name, health status) of the application's resources."""
        items = [
            {
                "group": "machinelearning.seldon.io" if kind == "SeldonDeployment" else "",
                "version": "v1",
                "kind": kind,
                "namespace": namespace,
                "name": resource,
                "status": "Synced",
                "health": {"status": health, "message": "" if health == "Healthy" else "0/1 replicas ready"},
            }
            for kind, resource, health in resources
        ]
        worst = next((h for h in ("Degraded", "Progressing") if any(r[2] == h for r in resources)), "Healthy")
        self.applications[name] = {
            "metadata": {"name": name, "namespace": "argocd"},
            "status": {
                "health": {"status": worst},
                "sync": {"status": "Synced", "revision": "0" * 40},
                "resources": items,
            },
        }


@contextmanager
def fake_argocd() -> Iterator[FakeArgoCD]:
    fake = FakeArgoCD()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._answer(401, {"error": "invalid session: token is not valid", "code": 16})
            prefix = "/api/v1/applications/"
            name = unquote(self.path.split("?", 1)[0][len(prefix) :]) if self.path.startswith(prefix) else ""
            if name not in fake.applications:
                return self._answer(404, {"error": f'applications.argoproj.io "{name}" not found', "code": 5})
            return self._answer(200, fake.applications[name])

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
