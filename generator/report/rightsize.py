"""Right-sizing proposals for people: the terminal table, the commit message and the pull-request
body (its evidence table). Pure."""

from __future__ import annotations

from generator.plan.rightsize import Proposal, duration_text
from generator.printable import printable
from generator.report.escape import code, text

MARKER = "<!-- model-gitops:right-size -->"
UNCHANGED = "(no change)"


def changes_text(proposal: Proposal) -> str:
    """`replicas 4 -> 6; resources.requests.cpu 500m -> 2`, or `(no change)`."""
    return "; ".join(f"{c.key} {c.before} -> {c.after}" for c in proposal.changes) or UNCHANGED


def table(proposals: list[Proposal], window_seconds: int) -> str:
    """Environment, model and proposed change per row; then each model's evidence."""
    rows = [["ENVIRONMENT", "MODEL", "PROPOSED"]]
    rows += [[p.environment, p.model, changes_text(p)] for p in proposals]
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2]}".rstrip() for row in rows]
    lines += ["", f"evidence (window {duration_text(window_seconds)}):"]
    lines += [printable(f"  {p.environment}/{p.model}: {p.evidence}") for p in proposals]
    return "\n".join(lines)


def title(proposals: list[Proposal]) -> str:
    """`right-size(prod): fraud-detector`, or `right-size: 3 models in prod, staging`."""
    changed = [p for p in proposals if p.changed]
    environments = sorted({p.environment for p in changed})
    if not changed:
        return "right-size: no change"
    if len(changed) == 1:
        return f"right-size({changed[0].environment}): {changed[0].model}"
    if len(environments) == 1:
        return f"right-size({environments[0]}): {len(changed)} models"
    return f"right-size: {len(changed)} models in {', '.join(environments)}"


def commit_message(proposals: list[Proposal], window_seconds: int) -> str:
    """The title, then one paragraph per changed model: its changes and evidence."""
    window = duration_text(window_seconds)
    lines = [title(proposals), "", f"From what each deployment used over {window} (model-gitops right-size)."]
    for proposal in (p for p in proposals if p.changed):
        lines += ["", f"{proposal.environment}/{proposal.model}: {changes_text(proposal)}", proposal.evidence]
    return "\n".join(printable(line) for line in lines) + "\n"


def pull_request_body(proposals: list[Proposal], window_seconds: int, files: list[str]) -> str:
    """What a reviewer needs: the evidence table of the changes, and what did not change."""
    window = duration_text(window_seconds)
    changed = [p for p in proposals if p.changed]
    lines = [
        MARKER,
        f"## Right-size from {text(window)} of usage",
        "",
        "Proposed by `model-gitops right-size` from the CPU, memory and request rate each deployment "
        "used in Prometheus. Merging it changes `overrides.<model>` in "
        + ", ".join(code(f) for f in files)
        + "; the next sync renders the new replicas and resources. Nothing changes until then.",
        "",
        "| Environment | Model | Change | Evidence |",
        "|---|---|---|---|",
    ]
    for proposal in changed:
        change = "<br>".join(code(f"{c.key}: {c.before} -> {c.after}", table=True) for c in proposal.changes)
        model = code(proposal.model, table=True)
        cells = [text(proposal.environment), model, change, text(proposal.evidence)]
        lines.append("| " + " | ".join(cells) + " |")
    kept = [p for p in proposals if not p.changed]
    if kept:
        lines += ["", "<details>", f"<summary>{len(kept)} model(s) kept as they are</summary>", ""]
        lines += [f"- {text(p.environment)} {code(p.model)}: {text(p.evidence)}" for p in kept]
        lines += ["", "</details>"]
    lines += [
        "",
        "---",
        "Opened by model-gitops right-size. Each run replaces this branch with its latest proposal and "
        "closes the pull request when nothing is left to propose. See docs/rightsize.md for the rule.",
    ]
    return "\n".join(lines) + "\n"
