"""The GitHub Actions workflows: actionlint passes, and they do what the README promises."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("inputs.dry_run", "inputs.dryrun"),
        ("needs.environments.outputs.environments", "needs.environment.outputs.environments"),
        ("model-gitops-sync-${{ matrix.environment }}", "model-gitops-sync-${{ matrix.env }}"),
    ],
)
def test_actionlint_catches_a_broken_workflow(tmp_path: Path, right: str, wrong: str) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = (WORKFLOWS / "sync.yml").read_text()
    assert right in text
    broken.write_text(text.replace(right, wrong))
    found = actionlint(broken)
    assert found.returncode != 0 and wrong in found.stdout  # it quotes the offending line


def test_sync_workflow() -> None:
    sync = workflow("sync.yml")
    triggers = sync["on"]
    assert re.fullmatch(r"[0-9*/,-]+( [0-9*/,-]+){4}", triggers["schedule"][0]["cron"])
    inputs = triggers["workflow_dispatch"]["inputs"]
    assert inputs["environment"]["type"] == "string" and inputs["dry_run"]["type"] == "boolean"
    assert "mlflow-registry-event" in triggers["repository_dispatch"]["types"]
    assert "concurrency" not in sync  # per job: runs of one environment queue, the others go on
    assert sync["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert list(sync["jobs"]) == ["environments", "sync", "full-sync"]
    run = (ROOT / "scripts" / "action" / "run.sh").read_text()
    assert 'model-gitops sync --push --summary "$summary"' in run
    assert "plan --format markdown" in run and 'tee -a "$summary"' in run
    install = (ROOT / "scripts" / "action" / "install.sh").read_text()
    assert 'go install "github.com/yannh/kubeconform/cmd/kubeconform@' in install


def actions_of(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a job that run this repository's action (`uses: ./`)."""
    return [step for step in job["steps"] if step.get("uses") == "./"]


def test_sync_runs_one_job_per_environment_with_the_race_safe_push() -> None:
    jobs = workflow("sync.yml")["jobs"]
    matrix_job = jobs["sync"]
    assert matrix_job["needs"] == "environments"
    strategy = matrix_job["strategy"]
    assert strategy["fail-fast"] is False
    assert strategy["matrix"] == {"environment": "${{ fromJSON(needs.environments.outputs.environments) }}"}
    assert matrix_job["concurrency"] == {
        "group": "model-gitops-sync-${{ matrix.environment }}",
        "cancel-in-progress": False,
    }
    serve_check, sync_step = actions_of(matrix_job)
    assert serve_check["with"]["command"] == "serve-check" and sync_step["with"]["command"] == "sync"
    assert serve_check["with"]["args"] == "--gate" and serve_check["continue-on-error"] is True
    assert sync_step["with"]["push"] == "true" and "inputs.dry_run" in sync_step["with"]["dry-run"]
    for step in (serve_check, sync_step):
        assert step["with"]["environment"] == "${{ matrix.environment }}"  # run.sh: `--env ENV`
    assert sync_step["with"]["models"] == "${{ needs.environments.outputs.models }}"  # run.sh: `--model`


def test_a_full_sync_after_the_environments_keeps_rendered_argocd_current() -> None:
    jobs = workflow("sync.yml")["jobs"]
    full = jobs["full-sync"]
    assert full["needs"] == ["environments", "sync"]  # after every environment's job, only if all passed
    condition = full["if"]
    assert "needs.environments.outputs.full == 'true'" in condition and "!inputs.dry_run" in condition
    assert not re.search(r"always\(\)|failure\(\)|cancelled\(\)", condition)
    assert full["concurrency"] == {"group": "model-gitops-sync-full", "cancel-in-progress": False}
    (sync_step,) = actions_of(full)
    assert sync_step["with"]["command"] == "sync" and sync_step["with"]["push"] == "true"
    assert "environment" not in sync_step["with"]  # no `-e`: this run writes rendered/argocd
    assert "dry-run" not in sync_step["with"]
    assert sync_step["env"] == actions_of(jobs["sync"])[1]["env"]
    assert full["steps"][0]["with"] == jobs["sync"]["steps"][0]["with"]  # same checkout: history, token


def discovery_step() -> dict[str, Any]:
    job = workflow("sync.yml")["jobs"]["environments"]
    assert job["permissions"] == {"contents": "read"}
    assert job["outputs"] == {
        "environments": "${{ steps.list.outputs.environments }}",
        "full": "${{ steps.list.outputs.full }}",
        "models": "${{ steps.list.outputs.models }}",
    }
    (step,) = [step for step in job["steps"] if step.get("id") == "list"]
    assert step["env"]["ONLY"] == "${{ inputs.environment || github.event.client_payload.environment }}"
    payload = "github.event.client_payload"
    assert (
        step["env"]["MODELS"] == f"${{{{ {payload}.models_complete && toJSON({payload}.models) || '[]' }}}}"
    )
    return step


def discover(
    tmp_path: Path, cwd: Path, only: str = "", models: str = ""
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the discovery step's script as the runner does (`python3 {0}`); its GITHUB_OUTPUT text."""
    step = discovery_step()
    assert step["shell"].split()[0] == "python3"
    script = tmp_path / "discover.py"
    script.write_text(step["run"])
    output = tmp_path / "github_output"
    output.write_text("")
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), "ONLY": only, "MODELS": models}
    done = subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True)
    return done, output.read_text()


def test_the_matrix_is_every_environment_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "environments").mkdir(parents=True)
    for name in ("dev.yaml", "qa.yml", "prod.yaml", "staging.yaml", "README.md"):
        (repo / "environments" / name).write_text("namespace: x\n")
    done, output = discover(tmp_path, repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert output == 'environments=["dev", "prod", "qa", "staging"]\nfull=true\nmodels=[]\n'
    assert json.loads(output.splitlines()[0].split("=", 1)[1]) == ["dev", "prod", "qa", "staging"]
    done, output = discover(tmp_path, ROOT)  # this repository's own environments
    assert output == 'environments=["dev", "prod", "staging"]\nfull=true\nmodels=[]\n'


def test_a_named_environment_is_the_whole_matrix(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    for name in ("dev", "staging", "prod"):
        (tmp_path / "environments" / f"{name}.yaml").write_text("namespace: x\n")
    done, output = discover(tmp_path, tmp_path, only=" staging ")
    assert done.returncode == 0, done.stdout + done.stderr
    assert output == 'environments=["staging"]\nfull=false\nmodels=[]\n'  # no full sync after it
    unknown, output = discover(tmp_path, tmp_path, only="../prod")
    assert unknown.returncode == 1 and output == ""
    assert "::error::no environments/../prod.yaml (environments: dev, prod, staging)" in unknown.stdout


def test_a_webhook_batch_syncs_only_its_models_in_every_environment(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    for name in ("dev", "prod"):
        (tmp_path / "environments" / f"{name}.yaml").write_text("namespace: x\n")
    done, output = discover(tmp_path, tmp_path, models='["fraud", "churn model", "fraud"]')
    assert done.returncode == 0, done.stdout + done.stderr
    assert output == 'environments=["dev", "prod"]\nfull=false\nmodels=["churn model", "fraud"]\n'
    for wrong in ("not json", '{"a": 1}', '["ok", 3]', '[""]', "[]"):  # every model, as a schedule
        done, output = discover(tmp_path, tmp_path, models=wrong)
        assert done.returncode == 0 and output.endswith("full=true\nmodels=[]\n"), (wrong, output)


def test_no_environment_files_is_an_error_not_an_empty_matrix(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    done, output = discover(tmp_path, tmp_path)
    assert done.returncode == 1 and output == ""
    assert "::error::no environments/*.yaml" in done.stdout


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


def test_every_sync_job_keeps_the_rebuildable_caches_between_runs() -> None:
    from generator.app import statecache
    from generator.registry import factcache, locations

    jobs = workflow("sync.yml")["jobs"]
    for name in ("sync", "full-sync"):
        (step,) = [s for s in jobs[name]["steps"] if str(s.get("uses", "")).startswith("actions/cache@")]
        paths = step["with"]["path"].split()
        wanted = [statecache.FILE, locations.FOLDER, factcache.FOLDER]
        assert paths == [f"~/.cache/model-gitops/{item}" for item in wanted], name
        assert step["with"]["key"].endswith("-${{ github.run_id }}-${{ github.run_attempt }}")
        assert step["with"]["key"].startswith(step["with"]["restore-keys"])
