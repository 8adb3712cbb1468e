"""Validate a rendered tree before anything reaches Git.

For every environment: `kubectl kustomize` builds it, Seldon's admission rules run on the
built SeldonDeployments, and one kubeconform `-strict` run checks all built output against the
Kubernetes and CRD schemas. Monitoring resources get promtool, PromQL parsing and a dashboard
load-back (`monitoring_checks`). `rendered/argocd` is built and kubeconform-checked like an
environment, plus its `argocd-cm` patch. Problems name environment, resource and field.
With `previous` (what rendered/ already holds), only what changed is built and checked; large
environments are built in chunks (`validate_scope`), since kustomize slows down quadratically,
and the kustomize runs go on in the background while the built environments are checked.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator import targets, timing, yamlio
from generator.config.settings import ValidationSettings
from generator.errors import ToolError
from generator.model.layout import ARGOCD_DIR
from generator.printable import shown
from generator.validate import schemas, scope, tools
from generator.validate.monitoring_checks import monitoring_problems

KUSTOMIZE_WORKERS = min(4, os.cpu_count() or 1)
DOWNLOAD_FAILURE = "failed downloading schema at "  # kubeconform's words


def validate_tree(
    files: dict[str, bytes],
    environments: list[str],
    settings: ValidationSettings,
    previous: Mapping[str, bytes] | None = None,
) -> list[str]:
    """Problems found in the `environments` of a rendered tree (paths relative to rendered/).

    With `previous`, files identical to it were validated when written and are not checked again.
    """
    argocd = [ARGOCD_DIR] if any(p.startswith(f"{ARGOCD_DIR}/") for p in files) else []
    environments = sorted({*environments, *argocd})
    builds = [b for env in environments for b in scope.builds(files, env, previous)]
    with (
        tempfile.TemporaryDirectory(prefix="model-gitops-validate-") as temporary,
        ThreadPoolExecutor(KUSTOMIZE_WORKERS) as pool,
    ):
        root = Path(temporary)
        # kustomize runs in the background while the checks of the environments built so far run.
        running = [(build, pool.submit(build_one, root, build, settings)) for build in builds]
        build_problems: list[str] = []
        checks: list[str] = []
        outputs: list[Path] = []
        for env in environments:
            built = [(build, _done(future, running)) for build, future in running if build.env == env]
            build_problems += [result for _, result in built if isinstance(result, str)]
            env_outputs = [(build, result) for build, result in built if isinstance(result, Path)]
            outputs += [output for _, output in env_outputs]
            admitted: list[str] = []
            found = monitoring(env, _streamed(env_outputs, admitted), settings, root)
            checks += admitted + found
        problems = build_problems + checks
        problems += kubeconform([*outputs, *_argocd_patches(root)], settings, root)
    return problems


def monitoring(
    env: str, documents: Iterable[object], settings: ValidationSettings, workdir: Path
) -> list[str]:
    return monitoring_problems(env, documents, settings.promtool, workdir / "monitoring" / env)


def _streamed(outputs: list[tuple[scope.Build, Path]], admitted: list[str]) -> Iterator[object]:
    """The built documents one chunk at a time (thousands at once cost ~100 MB), admission on the way."""
    for build, output in outputs:
        sources = scope.Sources(build.files)
        try:
            documents = yamlio.load_all(output.read_text("utf-8"))
        except (yamlio.YAMLError, RecursionError) as exc:
            where = ", ".join(f"{build.env}/{path}" for path in sources.unreadable()) or build.env
            admitted.append(f"{where}: cannot be checked: {_unreadable(exc)}")
            continue
        for document in documents:
            admitted.extend(admission(build.env, [document], sources))
            yield document


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "YAML nested too deeply for the reader (thousands of levels)"
    return f"not valid YAML ({_first_lines(str(exc), 1)})"


def _done(future: Any, running: list[tuple[scope.Build, Any]]) -> Path | str:
    """The build's result, once done; shows how many of the run's builds are done so far."""
    result = future.result()
    timing.progress("validate", sum(1 for _, f in running if f.done()), len(running))
    return result


def _argocd_patches(root: Path) -> list[Path]:
    """Files of rendered/argocd that are not kustomize resources (the `argocd-cm` patch)."""
    return sorted(root.glob(f"rendered/*/{ARGOCD_DIR}/*-patch.yaml"))


def build_one(root: Path, build: scope.Build, settings: ValidationSettings) -> Path | str:
    """Run one build under `root/rendered/<index>/<env>`: its output file, or the problem."""
    directory = root / "rendered" / str(build.index) / build.env
    for path, content in build.files.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_bytes(content)
    result = tools.run([settings.kubectl, "kustomize", str(directory)])
    if result.returncode != 0:
        return f"{build.env}: kustomize build failed: {_first_lines(result.stderr)}"
    output = root / "built" / str(build.index) / f"{build.env}.yaml"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(result.stdout, "utf-8")
    return output


def admission(env: str, documents: list[object], sources: scope.Sources | None = None) -> list[str]:
    """Each target's admission rules on its built documents: `env/name (where): field: problem`."""
    problems = []
    for document in documents:
        if not isinstance(document, dict):
            continue
        target = targets.by_kind(document.get("apiVersion"), document.get("kind"))
        found = target.admission_problems(document) if target is not None else []
        if not found or target is None:
            continue
        name, kind = scope.resource_name(document), str(document.get("kind"))
        source = sources.find(kind, name) if sources is not None else None
        where = f"{kind} in {shown(env + '/' + source)}" if source else kind
        label = shown(name or "(no name)")
        problems += [f"{env}/{label} ({where}): {problem}" for problem in found]
    return problems


def kubeconform(built: list[Path], settings: ValidationSettings, workdir: Path) -> list[str]:
    if not built:
        return []
    generated = schemas.generate(settings.crds, settings.cache_dir) if settings.crds else None
    # The CRDs given come first: kubeconform stops at a location it cannot download from.
    locations = [schemas.location(generated)] if generated is not None else []
    locations += settings.schema_locations
    args = [
        settings.kubeconform,
        "-strict",
        "-output",
        "json",
        "-kubernetes-version",
        settings.kubernetes_version,
    ]
    for location in locations:
        args += ["-schema-location", location]
    result = tools.run([*args, *[str(path) for path in built]], cwd=workdir)
    return _kubeconform_problems(result.stdout, result.stderr, result.returncode)


def _kubeconform_problems(stdout: str, stderr: str, returncode: int) -> list[str]:
    try:
        report = json.loads(stdout) if stdout.strip() else {"resources": []}
    except json.JSONDecodeError:
        return [f"kubeconform failed: {_first_lines(stdout + stderr)}"]
    resources = report.get("resources") or []
    _refuse_download_failures(resources)
    problems = []
    for resource in resources:
        if resource.get("status") in ("statusValid", "statusSkipped"):
            continue
        env = Path(resource.get("filename", "?")).stem
        message = _short_kubeconform_message(resource.get("msg", ""))
        problems.append(f"{env}/{resource.get('name')} ({resource.get('kind')}): {message}")
    problems.sort()  # kubeconform's workers report in any order: the message must not vary
    if returncode != 0 and not problems:
        problems.append(f"kubeconform failed: {_first_lines(stdout + stderr)}")
    return problems


def _refuse_download_failures(resources: list[dict[str, Any]]) -> None:
    """A schema kubeconform could not download is the setup's problem, not the models': one line."""
    failed = [str(r.get("msg", "")) for r in resources if str(r.get("msg", "")).startswith(DOWNLOAD_FAILURE)]
    if not failed:
        return
    kinds = sorted({f"{r.get('kind')} ({r.get('version')})" for r in resources if r.get("msg") in failed})
    listed = ", ".join(kinds[:3]) + (f" and {len(kinds) - 3} more" if len(kinds) > 3 else "")
    host = urlsplit(failed[0][len(DOWNLOAD_FAILURE) :].split(": ", 1)[0]).hostname or "its location"
    message = f"kubeconform could not download the schema of {listed} from {host}"
    raise ToolError(message, schemas.DOWNLOAD_HINT)


def _short_kubeconform_message(message: str) -> str:
    marker = "- at "
    return message[message.index(marker) + len(marker) :] if marker in message else message


def _first_lines(text: str, count: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[:count])
