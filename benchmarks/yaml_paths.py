"""Measure the YAML paths for generated files: ruamel, the `yamlio.fast` writer and libyaml.

    python -m benchmarks.yaml_paths [--models 1000]

Renders a plan of N models in 3 environments (SeldonDeployment, monitoring, dashboards: what a
full sync writes), then times dumping every document with ruamel (the reference), with
`yamlio.dump` (the fast path, byte-identical to ruamel), and with PyYAML's libyaml emitter
(`CSafeDumper`, whose output style differs), and loading them back with ruamel, `yamlio.load`
(libyaml's parser feeding ruamel's resolver) and PyYAML's `CSafeLoader`. Prints seconds and
documents per second; the numbers decide the path (docs/performance.md).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import yaml

from generator import yamlio
from generator.config import EnvironmentConfig
from generator.model import CurrentState
from generator.plan.planner import plan
from generator.render import render
from tests.support.snapshots import snapshot


def documents(models: int) -> list[Any]:
    environments = {
        name: EnvironmentConfig.model_validate({"namespace": f"models-{name}", "alias": name})
        for name in ("dev", "staging", "prod")
    }
    names = {f"model-{i:05d}": {"dev": 1, "staging": 1, "prod": 1} for i in range(models)}
    the_plan = plan(environments, snapshot(names, versions=1), CurrentState({}, {}))
    return list(render(the_plan).values())


def timed(label: str, count: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.2f} s {count / seconds:10.0f} docs/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    docs = documents(args.models)
    n = len(docs)
    print(f"{n} documents ({args.models} models x 3 environments)")
    texts: list[str] = []
    timed("dump: ruamel (reference)", n, lambda: [yamlio.dump_with_ruamel(d) for d in docs])
    timed("dump: yamlio.dump (fast path, same bytes)", n, lambda: texts.extend(yamlio.dump(d) for d in docs))
    dumper = yaml.CSafeDumper

    def libyaml_dump() -> None:
        for d in docs:
            yaml.dump(d, Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096)

    timed("dump: PyYAML CSafeDumper (libyaml)", n, libyaml_dump)
    sample = texts[: min(n, 3000)]
    label = f"load: ruamel ({len(sample)} docs)"
    timed(label, len(sample), lambda: [yamlio.load_with_ruamel(t) for t in sample])
    timed("load: yamlio.load (libyaml parser)", n, lambda: [yamlio.load(t) for t in texts])
    timed("load: PyYAML CSafeLoader", n, lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts])


if __name__ == "__main__":
    main()
