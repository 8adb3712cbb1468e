"""Schema locations for kubeconform: the bundled ones, and schemas generated from CRDs.

The package ships the schemas of the kinds it renders that a package registry publishes
(`bundled_schemas/`, made by `scripts/vendor_schemas.py`): they come first in the default
locations, so those kinds validate with no network. CRDs are read from local files or downloaded
from https URLs (cached), converted by `crdschema`, and written under a cache directory that is
tried before any other `-schema-location`.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path

from generator import yamlio
from generator.errors import ConfigError
from generator.gitrepo.workspace import write_atomic
from generator.validate.crdschema import FORMAT, crd_schemas

GENERATED_TEMPLATE = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
CORE_TEMPLATE = (
    "{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json"
)
BUNDLED = Path(__file__).resolve().parent / "bundled_schemas"
DOWNLOAD_HINT = "pass a local copy with --schema-location (MODEL_GITOPS_SCHEMA_LOCATIONS)"


def bundled_crds() -> set[str]:
    """Public URLs of the CRDs whose schemas are bundled: validation needs no download of them."""
    return set(json.loads((BUNDLED / "crds.json").read_text("utf-8"))["crds"])


def bundled_locations() -> list[str]:
    """kubeconform locations of the schemas shipped with the package (core kinds, then CRDs)."""
    return [f"{BUNDLED}/{CORE_TEMPLATE}", f"{BUNDLED}/{GENERATED_TEMPLATE}"]


def generate(crds: list[str], cache: Path) -> Path:
    """Convert every CRD in `crds` into kubeconform schemas under a directory; return it."""
    texts = [read_crd(source, cache) for source in crds]
    digest = hashlib.sha256("\n".join([f"format {FORMAT}", *texts]).encode()).hexdigest()[:16]
    target = cache / "schemas" / digest
    if (target / ".complete").is_file():
        return target
    for source, text in zip(crds, texts, strict=False):
        for document in _documents(source, text):
            for path, schema in crd_schemas(document).items():
                write_atomic(target / path, json.dumps(schema, sort_keys=True).encode())
    write_atomic(target / ".complete", b"")
    return target


def location(directory: Path) -> str:
    return f"{directory}/{GENERATED_TEMPLATE}"


def read_crd(source: str, cache: Path) -> str:
    if source.startswith("https://"):
        return _download(source, cache)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"CRD file {source} not found", "pass an existing file or an https URL to --crd")
    return path.read_text("utf-8")


def _download(url: str, cache: Path) -> str:
    cached = cache / "crds" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".yaml")
    if cached.is_file():
        return cached.read_text("utf-8")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - https only
            text = response.read().decode("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"could not download CRD {url} ({_reason(exc)})",
            "pass a local copy with --crd FILE (MODEL_GITOPS_CRDS), or its schema with --schema-location",
        ) from None
    write_atomic(cached, text.encode())
    return text


def _reason(exc: OSError) -> str:
    """A few words on why a download failed (no nested exception reprs)."""
    reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
    return str(reason.strerror if isinstance(reason, OSError) and reason.strerror else reason)[:80]


def _untemplated(text: str) -> str:
    """A helm-templated CRD (its first line a `{{ }}` directive) without its directive lines.

    Templated values such as `'{{ .Release.Name }}'` are plain YAML strings and stay.
    """
    lines = text.splitlines(keepends=True)
    first = next((line.strip() for line in lines if line.strip()), "")
    if not first.startswith("{{"):
        return text
    return "".join(
        line for line in lines if not (line.strip().startswith("{{") and line.strip().endswith("}}"))
    )


def _documents(source: str, text: str) -> list[dict[str, object]]:
    try:
        documents = yamlio.load_all(_untemplated(text))
    except yamlio.YAMLError as exc:
        raise ConfigError(f"CRD {source} is not valid YAML ({str(exc).splitlines()[0]})") from None
    crds = [d for d in documents if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"]
    if not crds:
        raise ConfigError(f"{source} holds no CustomResourceDefinition")
    return crds
