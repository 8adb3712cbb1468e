"""Will this version load in its runtime? Static rules from the model's own files. Pure.

Each rule is tied to a failure seen when an MLflow 3 model meets an older serving image (see
docs/serving.md, "Will it run?"). A hard finding refuses the version (quarantined, with the fix);
a soft one (drift that usually still loads) warns, and refuses with `safety.strict_runtime`.
Rules never guess: a fact missing on either side (an unknown Python, a package the profile does
not list) skips the rules that need it, except `missing-package` for what the loader imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from generator.model.runtime import ModelFacts, RuntimeProfile

SIGNATURE_REQUIRED = Version("2.10")  # ColSpec(required=...) first written and read by MLflow 2.10.0
SKOPS_FORMAT = Version("3.9")  # mlflow.sklearn reads serialization_format "skops" from MLflow 3.9
# mlflow.pyfunc.loaders appeared in 2.11 (chat_model); code_model (models from code) in 2.13.
PYFUNC_LOADERS = {"mlflow.pyfunc.loaders.chat_model": "2.11"}
PYFUNC_LOADERS_DEFAULT = "2.13"
PICKLED_SKLEARN = ("pickle", "cloudpickle")
# What the loader of each flavor imports: a runtime without it cannot load the model at all.
FLAVOR_PACKAGES = {"sklearn": "scikit-learn", "xgboost": "xgboost", "lightgbm": "lightgbm"}
# Soft drift: the flavor's library at another major.minor usually loads, with warnings.
FLAVOR_VERSION_KEYS = {"sklearn": "sklearn_version", "xgboost": "xgb_version", "lightgbm": "lgb_version"}
# Installed with what a profile lists (not exhaustive): not reported as unlisted requirements.
IMPLIED = {
    "mlflow": {"mlflow-skinny", "numpy", "pandas", "scipy", "scikit-learn", "pyarrow", "cloudpickle"},
    "scikit-learn": {"numpy", "scipy", "joblib", "threadpoolctl"},
    "pandas": {"numpy", "python-dateutil", "pytz", "tzdata"},
    "mlserver": {"numpy", "pandas", "uvloop", "fastapi", "uvicorn", "pydantic"},
}


@dataclass(frozen=True)
class Finding:
    """One rule that applies: `hard` refuses the version; `needs` says what the runtime lacks."""

    rule: str
    message: str
    hard: bool = True
    python: str = ""  # the Python major.minor the runtime needs
    minimum: dict[str, str] = field(default_factory=dict)  # package -> lowest version that works
    fix: str = ""  # a fix that is not "declare seldon.runtime" (e.g. re-log the model)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def findings(facts: ModelFacts, profile: RuntimeProfile) -> list[Finding]:
    """Every rule that applies to a model with `facts` served by `profile`, hard ones first."""
    if profile.model_files:
        found = _model_file(facts, profile) + _pickles(facts, profile)
    else:
        found = _through_mlflow(facts, profile) + _pickles(facts, profile)
    found += _missing(facts, profile) + _drift(facts, profile)
    return sorted(found, key=lambda finding: not finding.hard)


def fix(found: list[Finding]) -> str:
    """One instruction covering every hard finding: what `seldon.runtime` must declare."""
    python = next((f.python for f in found if f.python), "")
    minimum: dict[str, str] = {}
    for finding in found:
        for package, lowest in finding.minimum.items():
            if package not in minimum or _version(lowest) > _version(minimum[package]):
                minimum[package] = lowest
    needs = [f"Python {python}"] if python else []
    needs += [f"{package} >= {lowest}" if lowest else package for package, lowest in sorted(minimum.items())]
    others = sorted({f.fix for f in found if f.fix})
    declared = f"declare `seldon.runtime` with {_joined(needs)}" if needs else ""
    return "; or ".join([part for part in (declared, *others) if part]) or "declare `seldon.runtime`"


def _through_mlflow(facts: ModelFacts, profile: RuntimeProfile) -> list[Finding]:
    mlflow = _installed(profile, "mlflow")
    if mlflow is None:
        return []
    shown = f"mlflow {profile.packages['mlflow']}"
    found = []
    if facts.signature_required and mlflow < SIGNATURE_REQUIRED:
        message = f"the signature marks columns `required`, which {shown} cannot read (needs mlflow >= 2.10)"
        found.append(Finding("signature-required", message, minimum={"mlflow": "2.10"}))
    if _sklearn(facts).get("serialization_format") == "skops" and (
        mlflow < SKOPS_FORMAT or "skops" not in profile.packages
    ):
        lacks = shown if mlflow < SKOPS_FORMAT else "a runtime without the skops package"
        message = f"saved with skops serialization, which {lacks} cannot load (needs mlflow >= 3.9 and skops)"
        # MLflow 3.9 needs Python >= 3.10: the training Python is the one known to work.
        python = _major_minor(facts.python) if profile.python != _major_minor(facts.python) else ""
        found.append(Finding("skops-format", message, python=python, minimum={"mlflow": "3.9", "skops": ""}))
    loader = str(_pyfunc(facts).get("loader_module") or "")
    lowest = PYFUNC_LOADERS.get(loader, PYFUNC_LOADERS_DEFAULT)
    if loader.startswith("mlflow.pyfunc.loaders") and mlflow < Version(lowest):
        message = f"its loader {loader} is not in {shown} (it needs mlflow >= {lowest})"
        found.append(Finding("pyfunc-loaders", message, minimum={"mlflow": lowest}))
    return found


def _pickles(facts: ModelFacts, profile: RuntimeProfile) -> list[Finding]:
    """Pickled code and arrays load only in the Python, numpy and cloudpickle they were made with."""
    if not _pickled(facts):
        return []
    found = []
    saved = _major_minor(facts.python)
    if saved and profile.python and saved != profile.python and not profile.builds_environment:
        message = f"pickled on Python {saved}, which Python {profile.python} cannot unpickle reliably"
        found.append(Finding("python-version", message, python=saved))
    numpy, installed = _requirement(facts, "numpy"), _installed(profile, "numpy")
    if numpy and installed and numpy.major >= 2 > installed.major:
        message = f"pickled with numpy {numpy}, which numpy {installed} cannot unpickle (numpy._core)"
        found.append(Finding("numpy-major", message, minimum={"numpy": "2"}))
    cloudpickle, installed = _cloudpickle(facts), _installed(profile, "cloudpickle")
    if cloudpickle and installed and cloudpickle.major > installed.major:
        message = f"pickled with cloudpickle {cloudpickle}, newer than the runtime's {installed}"
        found.append(Finding("cloudpickle-major", message, minimum={"cloudpickle": f"{cloudpickle.major}"}))
    return found


def _model_file(facts: ModelFacts, profile: RuntimeProfile) -> list[Finding]:
    """Servers that read the model file themselves accept only some file names."""
    saved = [
        str(config.get(key))
        for flavor, key in (("sklearn", "pickled_model"), ("xgboost", "data"), ("lightgbm", "data"))
        if isinstance(config := facts.flavors.get(flavor), dict) and config.get(key)
    ]
    if not saved or any(name.rsplit("/", 1)[-1] in profile.model_files for name in saved):
        return []
    message = (
        f"{profile.name} loads {_joined(list(profile.model_files), 'or')}; this version saved {saved[0]}"
    )
    hint = "serve it with MLFLOW_SERVER, or log it in a format the server reads"
    return [Finding("model-file", message, fix=hint)]


def _missing(facts: ModelFacts, profile: RuntimeProfile) -> list[Finding]:
    """The package the flavor's loader imports must be in the runtime."""
    if not profile.packages or profile.builds_environment:
        return []
    needed = {FLAVOR_PACKAGES[name] for name in facts.flavors if name in FLAVOR_PACKAGES}
    if _cloudpickle(facts) and not profile.model_files:
        needed.add("cloudpickle")
    missing = sorted(needed - _provided(profile))
    if not missing:
        return []
    message = f"its loader imports {_joined(missing)}, which {profile.name} does not list"
    return [Finding("missing-package", message, minimum={name: "" for name in missing})]


def _drift(facts: ModelFacts, profile: RuntimeProfile) -> list[Finding]:
    """Soft: newer mlflow major, another flavor-library minor, requirements the runtime lacks."""
    found = []
    saved, mlflow = _parsed(facts.mlflow_version), _installed(profile, "mlflow")
    if saved and mlflow and saved.major > mlflow.major and not profile.model_files:
        message = f"saved by mlflow {saved}, served by mlflow {mlflow} (an older major)"
        found.append(Finding("mlflow-major", message, hard=False, minimum={"mlflow": f"{saved.major}"}))
    for flavor, key in FLAVOR_VERSION_KEYS.items():
        package = FLAVOR_PACKAGES[flavor]
        config = facts.flavors.get(flavor)
        trained = _parsed(str(config.get(key) or "")) if isinstance(config, dict) else None
        installed = _installed(profile, package)
        if trained and installed and (trained.major, trained.minor) != (installed.major, installed.minor):
            message = f"trained with {package} {trained}, served with {installed}"
            found.append(Finding(f"{flavor}-version", message, hard=False, minimum={package: str(trained)}))
    not_loaded = {"mlflow", "mlflow-skinny"} if profile.model_files else set()  # MLflow is not the loader
    unlisted = sorted(set(facts.requirements) - _provided(profile) - not_loaded) if profile.packages else []
    if unlisted and not profile.builds_environment:
        message = f"requirements.txt names {_joined(unlisted)}, which the runtime does not list"
        hint = "list them in `seldon.runtime.packages` if the image has them, or build one that does"
        found.append(Finding("unlisted-requirement", message, hard=False, fix=hint))
    return found


def _provided(profile: RuntimeProfile) -> set[str]:
    listed = set(profile.packages)
    return listed | {implied for name in listed for implied in IMPLIED.get(name, set())}


def _pickled(facts: ModelFacts) -> bool:
    if _sklearn(facts).get("serialization_format") in PICKLED_SKLEARN:
        return True
    pyfunc = _pyfunc(facts)
    return pyfunc.get("loader_module") == "mlflow.pyfunc.model" and bool(pyfunc.get("python_model"))


def _cloudpickle(facts: ModelFacts) -> Version | None:
    uses = _sklearn(facts).get("serialization_format") == "cloudpickle" or (
        _pyfunc(facts).get("loader_module") == "mlflow.pyfunc.model" and _pyfunc(facts).get("python_model")
    )
    if not uses:
        return None
    return _parsed(str(_pyfunc(facts).get("cloudpickle_version") or "")) or _requirement(facts, "cloudpickle")


def _sklearn(facts: ModelFacts) -> dict[str, object]:
    config = facts.flavors.get("sklearn")
    return config if isinstance(config, dict) else {}


def _pyfunc(facts: ModelFacts) -> dict[str, object]:
    config = facts.flavors.get("python_function")
    return config if isinstance(config, dict) else {}


def _requirement(facts: ModelFacts, package: str) -> Version | None:
    return _parsed(facts.requirements.get(package, ""))


def _installed(profile: RuntimeProfile, package: str) -> Version | None:
    return _parsed(profile.packages.get(package, ""))


def _parsed(text: str) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def _version(text: str) -> Version:
    return _parsed(text) or Version("0")


def _major_minor(text: str) -> str:
    parts = text.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 and all(p.isdigit() for p in parts[:2]) else ""


def _joined(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"
