"""`model-gitops right-size`: propose replicas, resources and autoscaling from what deployments used."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from generator.cli.options import CACHE, ENVIRONMENTS, REPO, SELECT, build_settings, with_options
from generator.errors import ConfigError
from generator.gitrepo import open_worktree
from generator.printable import printable

DURATION = re.compile(r"^(?:[0-9]{1,6}[smhdw])+$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_WINDOW = 90 * 86400
OWN: tuple[str, ...] = ("window", "resolution", "target_utilization", "headroom", "min_change", "max_cpu")
OWN += ("write", "pull_request")
READING = [
    click.option(
        "--prometheus-url",
        envvar="MODEL_GITOPS_PROMETHEUS_URL",
        help="Prometheus base URL, with the kubelet's cAdvisor metrics (kube-prometheus-stack scrapes them).",
    ),
]
PULL_REQUEST = [
    click.option(
        "--remote",
        default="origin",
        show_default=True,
        help="Remote the pull request's branch is pushed to (--pull-request).",
    ),
    click.option("--branch", help="Base branch of the pull request. Default: the current branch."),
    click.option(
        "--author",
        envvar="MODEL_GITOPS_GIT_AUTHOR",
        help="Author of the pull request's commit, 'Name <email>'. Default: Git's.",
    ),
    click.option(
        "--github-repository",
        envvar="GITHUB_REPOSITORY",
        help="OWNER/NAME for --pull-request (Actions sets GITHUB_REPOSITORY). Token: GITHUB_TOKEN.",
    ),
    click.option(
        "--github-api-url",
        envvar="GITHUB_API_URL",
        show_default="https://api.github.com",
        help="GitHub REST API URL; for GitHub Enterprise https://HOST/api/v3.",
    ),
]


def _seconds(_ctx: Any, param: Any, value: str) -> int:
    """A Prometheus-style duration (`7d`, `1h30m`, `5m`) in seconds."""
    if not DURATION.match(value):
        raise click.BadParameter(f"{value!r} is not a duration like 7d, 12h or 5m")
    total = sum(int(n) * UNIT_SECONDS[u] for n, u in re.findall(r"([0-9]+)([smhdw])", value))
    if not 0 < total <= MAX_WINDOW:
        raise click.BadParameter(f"{value!r} must be between 1s and 90d")
    return total


@click.command("right-size")
@with_options(REPO, ENVIRONMENTS, SELECT, CACHE, READING)
@click.option(
    "--window",
    default="7d",
    show_default=True,
    metavar="DURATION",
    callback=_seconds,
    help="How far back usage is read.",
)
@click.option(
    "--resolution",
    default="5m",
    metavar="DURATION",
    show_default=True,
    callback=_seconds,
    help="Rate range and step of the quantiles over the window.",
)
@click.option(
    "--target-utilization",
    type=click.IntRange(10, 100),
    default=70,
    show_default=True,
    help="CPU percent of the request a pod runs at under p95 load (an autoscaler's cpu_utilization wins).",
)
@click.option(
    "--headroom",
    type=click.FloatRange(1.0, 4.0),
    default=1.2,
    show_default=True,
    help="Memory request = the largest working set times this.",
)
@click.option(
    "--min-change",
    type=click.IntRange(0, 100),
    default=20,
    show_default=True,
    help="Propose a value only when it moves by more than this percent.",
)
@click.option(
    "--max-cpu",
    default="2",
    metavar="CPU",
    show_default=True,
    help="Largest CPU request per pod (cores or millicores, e.g. 1500m); more load -> more replicas.",
)
@click.option("--write", is_flag=True, help="Edit environments/<env>.yaml in place (overrides.<model>).")
@click.option(
    "--pull-request",
    is_flag=True,
    help="Commit the edits on branch model-gitops/right-size and open or update its pull request.",
)
@with_options(PULL_REQUEST)
def right_size_command(**options: Any) -> None:
    """Propose replicas, resources and autoscaling for each deployed model from what it used:
    CPU and memory of its pods (cAdvisor) and its request rate, read from Prometheus over
    --window. The output is `overrides.<model>` in environments/<env>.yaml with the evidence;
    nothing is applied unless --write or --pull-request says so (see docs/rightsize.md).

    Reads Seldon Core v1 environments (others are skipped, or refused when named with -e).
    Exit 1 when Prometheus cannot be read.
    """
    from generator.app.rightsize import Window, pull_request, right_size, write  # this command's only
    from generator.plan.rightsize import Rule
    from generator.report.rightsize import table

    own = {key: options.pop(key) for key in OWN}
    if own["write"] and own["pull_request"]:
        raise click.UsageError("--write and --pull-request are exclusive: pick one")
    settings = build_settings(**options)
    rule = Rule(
        target_utilization=own["target_utilization"] / 100,
        headroom=own["headroom"],
        min_change=own["min_change"] / 100,
        max_cpu_milli=_millicores(own["max_cpu"]),
    )
    if own["resolution"] * 2 > own["window"]:
        raise click.BadParameter("--window must span at least two --resolution steps", param_hint="--window")
    repo = open_worktree(settings.repo, settings.cache_dir)
    root = Path(repo.working_tree_dir)
    sizing = right_size(settings, root, Window(own["window"], own["resolution"]), rule)
    for line in sizing.skipped:
        click.echo(f"warning: skipped {printable(line)}", err=True)
    click.echo(table(sizing.proposals, sizing.window.seconds) if sizing.proposals else "no deployed models")
    if own["write"]:
        written = write(settings, root, sizing)
        click.echo(f"wrote {', '.join(written)}" if written else "nothing to write")
    if own["pull_request"]:
        outcome, branch = pull_request(settings, repo, sizing)
        click.echo(printable(outcome.describe(branch)))


def _millicores(text: str) -> int:
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(m?)", text.strip())
    if match is None:
        raise ConfigError(f"--max-cpu {text!r} is not a CPU quantity", "e.g. --max-cpu 2 or --max-cpu 1500m")
    value = float(match.group(1)) * (1 if match.group(2) else 1000)
    if value < 50:
        raise ConfigError(f"--max-cpu {text!r} is below 50m", "a pod's CPU request is at least 50m")
    return int(value)
