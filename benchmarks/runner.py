"""One sync in a process of its own, as CI runs it: `python -m benchmarks.runner ...`.

Runs the real `model-gitops sync` command in-process with phase timing on, optionally with the
naive registry reader swapped in (or with `--push` and `-e ENV`), and writes a JSON line with the
in-process timings, the exit code, the push attempts it took and the process's peak RSS (child
tools are separate processes: kubectl, kubeconform, git).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--reader", choices=["batched", "naive"], default="batched")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--push", action="store_true", help="sync --push (race-safe push, write-back)")
    parser.add_argument("-e", "--env", action="append", default=[], help="only this environment")
    args = parser.parse_args(argv)

    from generator import timing
    from generator.app.sources import LiveSources
    from generator.cli.main import run
    from generator.cli.wiring import Wiring

    wiring = Wiring()
    if args.reader == "naive":
        from benchmarks import naive

        wiring = Wiring(sources=lambda settings: LiveSources(settings, reader=naive.read_snapshot))
    startup = time.perf_counter() - STARTED
    command = [
        "sync",
        "--repo",
        args.repo,
        "--tracking-uri",
        args.tracking_uri,
        "--cache-dir",
        args.cache_dir,
        *(["--push"] if args.push else []),
        *(option for env in args.env for option in ("--env", env)),
    ]
    out, err = io.StringIO(), io.StringIO()
    with timing.recording() as phases, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        begin = time.perf_counter()
        code = run(command, wiring)
        sync_seconds = time.perf_counter() - begin
    result = {
        "code": code,
        "startup_s": startup,
        "sync_s": sync_seconds,
        "phases": phases,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mlflow_imported": "mlflow" in sys.modules,  # http(s) reads go through the REST API
        "attempts": push_attempts(out.getvalue()),
        "stdout": out.getvalue()[-2000:],
        "stderr": err.getvalue()[-4000:],
    }
    args.out.write_text(json.dumps(result))
    return 0 if code == 0 else 1


def push_attempts(stdout: str) -> int:
    """How many tries the push took: the sync says `re-planned ... on try N` when the remote moved."""
    retried = re.search(r"re-planned.* on try (\d+)", stdout)
    return int(retried.group(1)) if retried else 1


if __name__ == "__main__":
    sys.exit(main())
