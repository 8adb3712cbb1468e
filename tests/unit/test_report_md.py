"""The Markdown renderer of plans and pull-request bodies: golden files, escaping, links."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator.cli import summary
from generator.config.loader import parse_environment
from generator.model import CurrentState, Deployed, ModelVersion, RegisteredModel, Snapshot
from generator.plan.planner import Change, Plan, plan
from generator.render.state import current_state
from generator.report import escape, markdown
from tests.support.golden import assert_golden
from tests.support.rollouts import Runs, healthy, readings
from tests.support.snapshots import snapshot

DEV = parse_environment("namespace: models-dev\nalias: dev\n", "dev.yaml")
PROD = parse_environment(
    "namespace: models-prod\nalias: champion\ndelivery: {mode: pull-request, labels: [deploy]}\n", "prod.yaml"
)
METRICS = {
    "run-fraud-detector-7": {"val_auc": 0.912, "val_loss": 0.231},
    "run-fraud-detector-8": {"val_auc": 0.918, "val_loss": 0.224, "val_f1": 0.81},
}
UI = "https://mlflow.example.com"


def replace_plan():  # type: ignore[no-untyped-def]
    before = CurrentState(
        {
            "prod": {
                "fraud-detector": Deployed(
                    "fraud-detector",
                    "7",
                    "fraud-detector",
                    {"model-gitops.io/run-id": "run-fraud-detector-7"},
                )
            }
        }
    )
    snap = snapshot({"fraud-detector": {"champion": 8, "dev": 8}, "churn-model": {"dev": 2}}, 8)
    snap = replace(snap, run_metrics=METRICS)
    result = plan({"dev": DEV, "prod": PROD}, snap, before)
    touched = sorted(f"{c.environment}/{c.model}/seldondeployment.yaml" for c in result.changes)
    context = markdown.Context(
        before=before,
        run_metrics=METRICS,
        versions=snap.versions,
        ui_url=UI,
        delivery={"dev": "commit", "prod": "pull-request"},
    )
    return result, touched, context


def test_plan_markdown_matches_golden() -> None:
    result, touched, context = replace_plan()
    text = markdown.plan_markdown(result, touched, context)
    assert_golden("report_md/plan.md", text)
    assert "### prod (pull request)" in text and "### dev (commit)" in text
    assert "| `fraud-detector` | 7 | 8 | replace (update) | 100% | val\\_auc 0.918 (+0.006)" in text


def test_pull_request_body_matches_golden() -> None:
    result, touched, context = replace_plan()
    prod = [p for p in touched if p.startswith("prod/")]
    body = markdown.pull_request_body(result, "prod", prod, context, prod)
    assert_golden("report_md/pull_request.md", body)
    assert body.startswith("<!-- model-gitops:prod -->\n")
    assert f"[version 8]({UI}/#/models/fraud-detector/versions/8)" in body
    assert f"[run]({UI}/#/runs/run-fraud-detector-8)" in body
    assert "```mermaid\nflowchart LR\n" in body
    assert "churn-model" not in body, "only the environment's own changes"
    assert markdown.pull_request_title(result, "prod", prod) == "deploy(prod): fraud-detector 7 -> 8"


def test_canary_step_and_rollout_diagram() -> None:
    config = "namespace: models-prod\nalias: champion\nstrategy: {type: canary, steps: [10, 50, 100]}\n"
    runs = Runs({"prod": parse_environment(config, "prod.yaml")})
    runs.run(snapshot({"fraud-detector": {"champion": 7}}, 9))
    before = runs.current
    started = runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), after=timedelta(hours=1))
    touched = ["prod/fraud-detector/seldondeployment.yaml"]
    context = markdown.Context(before=before, after=current_state(runs.files))
    body = markdown.pull_request_body(started, "prod", touched, context, touched)
    assert_golden("report_md/pull_request_canary.md", body)
    assert "| canary (" in body and "| 10% (1/3) |" in body
    assert "class n1 current" in body

    good = readings("prod", "fraud-detector", stable=healthy(), canary=healthy())
    advanced = runs.run(snapshot({"fraud-detector": {"champion": 8}}, 9), good, after=timedelta(hours=1))
    text = markdown.plan_markdown(advanced, touched, markdown.Context())
    assert "| 50% (2/3) |" in text
    assert "- `fraud-detector`: canary 8 at 10% -\\> 50% \\(error" in text


def test_same_inputs_same_bytes() -> None:
    first = markdown.plan_markdown(*replace_plan())
    assert first == markdown.plan_markdown(*replace_plan())


# Registry text that would be live Markdown, HTML, a link, an image, a mention or a reference.
HOSTILE = [
    "[click](https://evil.example/x)",
    "![pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script><!--",
    "<https://evil.example/auto>",
    "https://evil.example/bare www.evil.example mail@evil.example",
    "@octocat @org/team closes #1 org/repo#2",
    "`tick` ``two`` ```fence",
    "a|b\\|c|",
    "*bold* _em_ **strong** ~~strike~~ $x^2$",
    "line\nbreak\r\n# heading\n> quote\n---",
    "&lt;b&gt; &amp; &#64;octocat",
    "\\[escaped\\] \\",
    "[ref]: https://evil.example",
    " `lead and trail` ",
    "bidi \u202eevil",
]


def hostile_plan():  # type: ignore[no-untyped-def]
    """A plan whose model names, versions, run ids, metric names and reasons are all hostile."""
    names = [f"model {n}: {text}" for n, text in enumerate(HOSTILE)]
    registered = {name: RegisteredModel(name, {"champion": HOSTILE[n]}) for n, name in enumerate(names)}
    versions = {
        (name, HOSTILE[n]): ModelVersion(name, HOSTILE[n], "models:/m/1", "s3://m/1", f"run {HOSTILE[n]}")
        for n, name in enumerate(names)
    }
    metrics = {f"run {text}": {text: 0.5} for text in HOSTILE}
    snap = Snapshot("sqlite:///test.db", registered, versions, run_metrics=metrics)
    result = plan({"prod": PROD}, snap, CurrentState())
    prod = result.environments["prod"]
    rejected = [Change("prod", name, "reject", reason=f"tag: {HOSTILE[n]}") for n, name in enumerate(names)]
    result = Plan({"prod": replace(prod, changes=[*prod.changes, *rejected])})
    touched = sorted(f"prod/{t.directory}/seldondeployment.yaml" for t in prod.targets)
    context = markdown.Context(run_metrics=metrics, versions=versions, ui_url=UI)
    return result, touched, context, [t.model for t in prod.targets]


class Html(HTMLParser):
    """Tags, links and text (outside code, pre and links: where GitHub mentions) of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.rows: list[int] = []
        self.text: list[str] = []
        self.prose: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.inside.append(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
        if tag == "tr":
            self.rows.append(0)
        if tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.inside:
            del self.inside[len(self.inside) - 1 - self.inside[::-1].index(tag)]

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not {"code", "pre", "a"} & set(self.inside):
            self.prose.append(data)


def rendered(markdown_text: str) -> Html:
    """GitHub's own Markdown library (cmark-gfm), raw HTML let through as GitHub's renderer does."""
    page = Html()
    page.feed(cmarkgfm.github_flavored_markdown_to_html(markdown_text, options=Options.CMARK_OPT_UNSAFE))
    return page


OUR_TAGS = {"p", "h2", "h3", "h4", "ul", "li", "code", "pre", "a", "br", "hr", "details", "summary"}
TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}


def assert_inert(markdown_text: str, columns: int, shown_texts: list[str]) -> None:
    page = rendered(markdown_text)
    assert set(page.tags) <= OUR_TAGS | TABLE_TAGS, set(page.tags) - OUR_TAGS - TABLE_TAGS
    assert all(href.startswith(UI + "/#/") for href in page.hrefs), page.hrefs
    assert all(cells == columns for cells in page.rows), page.rows
    shown = "".join(page.text).replace(escape.ZERO_WIDTH_SPACE, "")
    for text in shown_texts:
        assert escape.visible(text) in shown, text
    prose = "".join(page.prose)
    assert not re.search(r"(?<![\w])@[A-Za-z0-9]", prose), "a live @mention"
    assert not re.search(r"#[0-9]", prose), "a live issue reference"
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown_text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"image", "em_open", "strong_open", "s_open", "blockquote_open"}, kinds
    inline_html = {c.content for t in tokens for c in t.children or [] if c.type == "html_inline"}
    assert inline_html <= {"<br>"}, inline_html


def test_hostile_registry_text_renders_exactly_and_inert_in_a_pull_request_body() -> None:
    result, touched, context, delivered = hostile_plan()
    body = markdown.pull_request_body(result, "prod", touched, context, touched)
    assert len(delivered) == len(HOSTILE) - 2, "all but the two names with control characters"
    assert_inert(body, columns=7, shown_texts=delivered)
    assert rendered(body).tags.count("a") == 2 * len(delivered), "only our version and run links"
    assert rendered(body).tags.count("h4") == len(delivered), "one heading per model, none from names"


def test_hostile_registry_text_renders_exactly_and_inert_in_a_job_summary() -> None:
    result, touched, context, delivered = hostile_plan()
    summary = markdown.plan_markdown(result, touched, context, diff="```\n</details>\n````` closes #1")
    rejections = result.rejections
    assert_inert(summary, columns=7, shown_texts=[*delivered, *(c.model for c in rejections), *HOSTILE])
    assert rendered(summary).tags.count("li") == len(rejections), "one list item per rejection"
    assert rendered(summary).tags.count("details") == 1 and "</details>\n````` closes #1" in summary


def test_a_code_span_shows_its_text_exactly() -> None:
    for text in [*HOSTILE, "`", "``", " ", "a ` b", "|"]:
        for in_table in (False, True):
            span = escape.code(text, table=in_table)
            source = f"| h |\n|---|\n| {span} |\n" if in_table else f"x {span} y\n"
            page = rendered(source)
            assert page.tags.count("code") == 1, (text, span)
            assert escape.visible(text) in "".join(page.text), (text, span)


def test_links_only_for_http_tracking_uris_and_never_with_credentials() -> None:
    assert (
        markdown.ui_base("https://user:s3cret@mlflow.example.com:8443/base/")
        == "https://mlflow.example.com:8443/base"
    )
    assert markdown.ui_base("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert markdown.ui_base("sqlite:///mlflow.db") is None
    assert markdown.ui_base("databricks") is None


def test_delivery_section_of_the_job_summary_is_inert() -> None:
    pull = SimpleNamespace(
        environment="prod",
        action="opened",
        number=7,
        url="https://github.example/o/r/pull/7",
        noun="pull request",
        sign="#",
    )
    delivered = SimpleNamespace(attempts=1, earlier=0, pull_requests=[pull], tagged=0, warnings=HOSTILE)
    subject = "deploy(prod): " + " ".join(HOSTILE)
    message = subject + "\n\nbody"
    result = SimpleNamespace(commit="0123456789abcdef", pushed=True, message=message, delivered=delivered)
    section = summary.delivery_markdown(result)
    page = rendered(section)
    assert set(page.tags) <= OUR_TAGS - {"h2", "h4"} | {"h3"}, set(page.tags)
    assert page.hrefs == [pull.url], "only the pull request's own link"
    shown = "".join(page.text).replace(escape.ZERO_WIDTH_SPACE, "")
    assert all(escape.visible(text).strip() in shown for text in HOSTILE)  # prose: ends trimmed
    assert not re.search(r"(?<![\w])@[A-Za-z0-9]", "".join(page.prose)), "a live @mention"


MARKDOWN_TEXT = st.one_of(
    st.text(alphabet="[]()!<>*_~`|#@$&\\:/.w -=+^{}\"'\n a1", max_size=40),
    st.text(max_size=30),
    st.sampled_from(HOSTILE),
)


@settings(max_examples=300, deadline=None)
@given(MARKDOWN_TEXT, MARKDOWN_TEXT)
def test_any_text_or_code_span_renders_exactly_and_inert(first: str, second: str) -> None:
    source = f"| a | b |\n|---|---|\n| {escape.text(first)} | {escape.code(second, table=True)} |\n\n"
    source += f"- {escape.text(first)}\n- {escape.code(second)}\n"
    page = rendered(source)
    assert set(page.tags) <= TABLE_TAGS | {"ul", "li", "code"}, (first, second, page.tags)
    assert page.rows == [2, 2], (first, second)
    shown = "".join(page.text).replace(escape.ZERO_WIDTH_SPACE, "")
    assert shown.count(escape.visible(first).strip()) >= 2 and shown.count(escape.visible(second)) >= 2
    assert not re.search(r"(?<![\w])@[A-Za-z0-9]|#[0-9]", "".join(page.prose)), (first, second)
