"""The only module that runs `promtool`: `promtool check rules` over PrometheusRule groups.

Each PrometheusRule's `spec` (its `groups`) is written as a Prometheus rule file and all files are
checked in one run. Problems are attributed to the resource whose file they name; a missing
promtool is a `ToolError` with the install hint. The files are written by `yamlio`, as the
manifests are: Python's JSON would escape an emoji as a surrogate pair (`\\ud83d\\ude80`), which
Go's YAML parser rejects, so every name outside the Basic Multilingual Plane failed validation.
"""

from __future__ import annotations

from pathlib import Path

from generator import yamlio
from generator.validate import tools


def check_rules(groups: dict[str, list[object]], promtool: str, workdir: Path) -> dict[str, list[str]]:
    """Problems per label (`env/name`) for each label's rule groups; labels without problems omitted."""
    if not groups:
        return {}
    directory = workdir / "promtool"
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for index, (label, rule_groups) in enumerate(sorted(groups.items())):
        path = directory / f"rules-{index}.yaml"
        path.write_text(yamlio.dump({"groups": rule_groups}), "utf-8")
        files[str(path)] = label
    result = tools.run([promtool, "check", "rules", *files], cwd=workdir)
    if result.returncode == 0:
        return {}
    return _attribute(result.stdout + "\n" + result.stderr, files)


def _attribute(output: str, files: dict[str, str]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for line in output.splitlines():
        for path, label in files.items():
            if line.startswith(f"{path}:"):
                message = line[len(path) + 1 :].strip()
                problems.setdefault(label, []).append(f"promtool: {message}")
    if not problems:
        first = " | ".join(line.strip() for line in output.strip().splitlines()[-3:])
        problems[""] = [f"promtool check rules failed: {first}"]
    return problems
