"""How an environment's changes reach Git: a direct commit, or a pull request for review.

`delivery: commit` (the default) commits to the branch being synced. `delivery: pull-request`
puts the environment's change on a branch of its own (`model-gitops/<env>` by default) and
opens, updates or closes one pull request for it. The short string form and the long form are
equivalent:

    delivery: pull-request
    delivery: {mode: pull-request, labels: [deploy, prod], reviewers: [ml-leads]}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from generator.config.base import Strict

Mode = Literal["commit", "pull-request"]
BRANCH_PLACEHOLDER = "{environment}"
_BAD_REF = ("..", "@{", "//", " ", "~", "^", ":", "?", "*", "[", "\\")


class Delivery(Strict):
    """Commit directly, or open a pull request per environment (with its settings)."""

    mode: Mode = "commit"
    branch: str = Field(
        default="model-gitops/{environment}",
        description="Branch holding the environment's pending change ({environment} is replaced).",
    )
    labels: list[str] = Field(default=["model-gitops"], description="Labels put on the pull request.")
    reviewers: list[str] = Field(default=[], description="GitHub users asked to review a new pull request.")
    team_reviewers: list[str] = Field(default=[], description="GitHub team slugs asked to review.")
    draft: bool = False
    delete_branch: bool = Field(default=True, description="Delete the branch when its pull request closes.")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return {"mode": value} if isinstance(value, str) else value

    @field_validator("branch")
    @classmethod
    def _valid_branch(cls, value: str) -> str:
        name = value.replace(BRANCH_PLACEHOLDER, "env")
        bad = [part for part in _BAD_REF if part in name]
        if not name or bad or name.startswith(("/", "-", ".")) or name.endswith(("/", ".", ".lock")):
            raise ValueError(f"{value!r} is not a valid Git branch name")
        return value

    @field_validator("labels", "reviewers", "team_reviewers")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("entries must not be empty")
        return value

    @property
    def pull_request(self) -> bool:
        return self.mode == "pull-request"

    def branch_for(self, environment: str) -> str:
        return self.branch.replace(BRANCH_PLACEHOLDER, environment)

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """Editors accept both `delivery: pull-request` and the mapping."""
        schema = handler.resolve_ref_schema(handler(core))
        return {"anyOf": [{"enum": ["commit", "pull-request"], "type": "string"}, schema]}
