"""The GitHub Actions workflows: actionlint passes, and they do what the README promises."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator import yamlio
from tests.conftest import ROOT, require

pytestmark = pytest.mark.e2e

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    return yamlio.load((WORKFLOWS / name).read_text())


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job["steps"]]


def scripts(document: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(document))


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require("actionlint"), *map(str, paths)], cwd=ROOT, capture_output=True, text=True)


def test_actionlint_passes_on_every_workflow() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    names = ["ci.yml", "model-gitops.yml", "release.yml", "sync.yml", "validate.yml"]
    assert [f.name for f in files] == names
    done = actionlint(*files)
    assert done.returncode == 0, done.stdout + done.stderr
    shellcheck = "with" if shutil.which("shellcheck") else "without"
    print(f"\nactionlint: {len(files)} workflows clean ({shellcheck} shellcheck)")


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = (WORKFLOWS / "sync.yml").read_text().replace("inputs.dry_run", "inputs.dryrun")
    broken.write_text(text)
    assert actionlint(broken).returncode != 0


def test_sync_workflow() -> None:
    sync = workflow("sync.yml")
    triggers = sync["on"]
    assert re.fullmatch(r"[0-9*/,-]+( [0-9*/,-]+){4}", triggers["schedule"][0]["cron"])
    inputs = triggers["workflow_dispatch"]["inputs"]
    assert inputs["environment"]["type"] == "string" and inputs["dry_run"]["type"] == "boolean"
    assert "mlflow-registry-event" in triggers["repository_dispatch"]["types"]
    assert sync["concurrency"]["group"] and sync["concurrency"]["cancel-in-progress"] is False
    assert sync["permissions"] == {"contents": "write", "pull-requests": "write"}
    actions = [step for step in steps(sync) if step.get("uses") == "./"]
    assert [step["with"]["command"] for step in actions] == ["serve-check", "sync"]
    serve_check, sync_step = actions
    assert serve_check["with"]["args"] == "--gate" and serve_check["continue-on-error"] is True
    assert sync_step["with"]["push"] == "true" and "inputs.dry_run" in sync_step["with"]["dry-run"]
    run = (ROOT / "scripts" / "action" / "run.sh").read_text()
    assert 'model-gitops sync --push --summary "$summary"' in run
    assert "plan --format markdown" in run and 'tee -a "$summary"' in run
    install = (ROOT / "scripts" / "action" / "install.sh").read_text()
    assert 'go install "github.com/yannh/kubeconform/cmd/kubeconform@' in install


def test_actions_are_pinned_by_commit() -> None:
    documents = [workflow(f.name) for f in sorted(WORKFLOWS.glob("*.yml"))]
    documents.append(yamlio.load((ROOT / "action.yml").read_text())["runs"])
    for document in documents:
        for step in steps(document) if "jobs" in document else document["steps"]:
            used = step.get("uses", "")
            if used and not used.startswith("./"):
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", used), used


def test_credentials_come_from_secrets_only() -> None:
    for name in ("sync.yml", "validate.yml", "ci.yml", "model-gitops.yml", "release.yml"):
        document = workflow(name)
        for step in steps(document):
            given = {**(step.get("env") or {}), **(step.get("with") or {})}
            for key, value in given.items():
                if re.search(r"TOKEN|PASSWORD|URI|SECRET", key.upper()):
                    assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+( \|\| secrets\.[A-Z_]+)? \}\}", value), (
                        name,
                        key,
                    )
        text = (WORKFLOWS / name).read_text()
        assert not re.search(r"(gh[pousr]_[A-Za-z0-9]{10,}|https?://[^/\s:]+:[^@\s]+@)", text), name
        assert "${{ inputs." not in scripts(document) and "${{ github.event" not in scripts(document), name


def test_validate_workflow() -> None:
    validate = workflow("validate.yml")
    assert validate["on"]["pull_request"]["paths"] == ["rendered/**", "environments/**"]
    run = scripts(validate)
    assert 'kubectl kustomize "$directory"' in run
    assert "model-gitops validate" in run and "promtool" in run
    assert "model-gitops plan --check" in run
    assert 'model-gitops serve-check --changed-since "$BASE_SHA" --format markdown' in run
    assert validate["permissions"] == {"contents": "read"}


def test_ci_workflow_runs_the_scripts() -> None:
    run = scripts(workflow("ci.yml"))
    assert "bash scripts/check.sh" in run and "bash scripts/test.sh" in run
    assert "actionlint" in (ROOT / "scripts" / "check.sh").read_text()


def test_release_workflow() -> None:
    release = workflow("release.yml")
    assert release["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    assert release["permissions"] == {"contents": "read"}
    jobs = release["jobs"]
    assert jobs["pypi"]["permissions"] == {"id-token": "write"} and jobs["pypi"]["environment"] == "pypi"
    assert jobs["image"]["permissions"]["packages"] == "write"
    assert set(jobs["github-release"]["needs"]) == {"build", "pypi", "image"}
    run = scripts(release)
    assert "python -m twine check --strict dist/*" in run and "docker push" in run
    assert "scripts/release_notes.sh" in run and "gh release create" in run


def release_notes(version: str, changelog: Path) -> subprocess.CompletedProcess[str]:
    script = ROOT / "scripts" / "release_notes.sh"
    return subprocess.run(["bash", str(script), version, str(changelog)], capture_output=True, text=True)


def test_release_notes_are_the_changelog_section(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [1.2.0]\n\n### Added\n\n- a thing\n\n"
        "## [1.1.0]\n\n- older\n\n[1.2.0]: https://example.invalid/1.2.0\n"
    )
    assert release_notes("1.2.0", changelog).stdout == "### Added\n\n- a thing\n"
    missing = release_notes("1.3.0", changelog)
    assert missing.returncode == 1 and "## [1.3.0]" in missing.stderr
    assert release_notes("0.1.0", ROOT / "CHANGELOG.md").stdout.startswith("The first release")
