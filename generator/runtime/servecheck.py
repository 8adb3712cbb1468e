"""The serve check: does each candidate version load and answer in a real MLServer of its runtime?

For each candidate (environment, model, version, where its artifacts are, its runtime profile):
the profile's Python must exist here (else the candidate is *skipped*, never passed), its cached
venv is built or reused (`venvs`), the model is downloaded (through MLflow, by the caller's
`download`), MLServer serves it (`mlserver`) and must answer its saved input example (`modeldir`).
The same version with the same runtime in several environments is checked once. Every result
carries its wall-clock time.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.errors import ModelGitopsError
from generator.model.runtime import RuntimeProfile
from generator.runtime.interpreters import Interpreter, find_python
from generator.runtime.mlserver import Timeouts, serve
from generator.runtime.modeldir import example_request
from generator.runtime.venvs import BuildFailed, ensure_venv, requirements

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
Download = Callable[[str, Path], Path]


@dataclass(frozen=True)
class Candidate:
    """One version to check in one environment, with the runtime that would serve it there."""

    environment: str
    model: str
    version: str
    uri: str
    profile: RuntimeProfile


@dataclass(frozen=True)
class Result:
    """The outcome (passed, failed, skipped), what was seen, and how long it took."""

    candidate: Candidate
    outcome: str
    detail: str
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def tag_value(self) -> str:
        """`passed (mlserver-1.7.1-py3.11, 21 s): ready, answered ...` for the MLflow tag."""
        text = f"{self.outcome} ({self.candidate.profile.name}, {self.seconds:.0f} s): {self.detail}"
        return text[:500]


@dataclass(frozen=True)
class Options:
    """Where venvs are cached, the time limits, and how interpreters are found."""

    cache_dir: Path
    timeouts: Timeouts = field(default_factory=Timeouts)
    build_timeout: float = 900.0
    find: Callable[[str], Interpreter | None] = field(default=find_python)


def check(candidates: Iterable[Candidate], download: Download, options: Options) -> Iterator[Result]:
    """Check each candidate in turn (results as they come)."""
    done: dict[tuple[str, str, tuple[str, ...], str], Result] = {}
    for candidate in candidates:
        profile = candidate.profile
        key = (candidate.model, candidate.version, tuple(requirements(profile)), profile.python or "")
        if key in done:
            first = done[key]
            note = f"same version and runtime as {first.candidate.environment}: not run again"
            yield replace(first, candidate=candidate, seconds=0.0, notes=(note,))
            continue
        result = check_one(candidate, download, options)
        done[key] = result
        yield result


def check_one(candidate: Candidate, download: Download, options: Options) -> Result:
    """Load one candidate in MLServer and ask it to answer its input example."""
    started = time.monotonic()
    profile = candidate.profile

    def result(outcome: str, detail: str, notes: tuple[str, ...] = ()) -> Result:
        return Result(candidate, outcome, detail, time.monotonic() - started, notes)

    if not profile.mlserver:
        return result(SKIPPED, f"runtime {profile.name} is not an MLServer: nothing to start here")
    if not profile.python:
        return result(SKIPPED, f"runtime {profile.name} does not say which Python it runs")
    interpreter = options.find(profile.python)
    if interpreter is None:
        return result(SKIPPED, f"no Python {profile.python} here")
    try:
        venv, reused = ensure_venv(profile, interpreter, options.cache_dir, options.build_timeout)
    except BuildFailed as exc:
        return result(FAILED, str(exc))
    built = "venv cached" if reused else f"venv built in {time.monotonic() - started:.0f} s"
    notes: tuple[str, ...] = (built,)
    with tempfile.TemporaryDirectory(prefix="model-gitops-serve-") as scratch:
        work = Path(scratch)
        try:
            model_dir = download(candidate.uri, work / "model")
        except ModelGitopsError as exc:
            return result(FAILED, exc.one_line(), notes)
        request, why_not = example_request(model_dir)
        if request is None:
            notes = (*notes, f"ready-only check: {why_not}")
        (work / "mlserver").mkdir()
        served = serve(
            venv, model_dir, server_name(candidate.model), request, work / "mlserver", options.timeouts
        )
    return result(PASSED if served.passed else FAILED, served.detail, notes)


def server_name(model: str) -> str:
    """The model's name in MLServer's URLs (`/v2/models/<name>/...`)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", model) or "model"


def exit_code(results: list[Result]) -> int:
    """1 when any candidate failed, else 0 (skipped is reported, not a pass and not a failure)."""
    return 1 if any(r.outcome == FAILED for r in results) else 0
