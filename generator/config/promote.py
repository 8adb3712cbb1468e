"""`promote`: an environment that takes what another one has served healthily, with evidence.

```yaml
promote:
  from: staging            # the environment whose serving version is the candidate
  soak: 24h                # how long it must have served there (from Git history of rendered/)
  online: {max_error_ratio: 0.01, min_requests: 500}   # read over the soak window, in `from`
  offline: [{metric: val_auc}]                         # against this environment's current version
  approval: pull-request   # the promotion lands through a pull request (or `none`: a commit)
  set_alias: champion      # move this MLflow alias to the version when the promotion lands
```

Online gates here are absolute thresholds (the source environment serves one version: there is
no stable predictor to compare with), so the relative ones are off unless set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from generator.config.base import Strict, described
from generator.config.strategy import OfflineGate, OnlineGates, _duration, seconds

ENVIRONMENT = described(
    r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$",
    "must name an environment (an environments/<name>.yaml file): lowercase letters, digits and '-'",
)


class PromotionGates(OnlineGates):
    """The rollout gate block without the comparisons to a stable predictor (off by default)."""

    max_error_ratio_increase: float | None = Field(None, ge=0, le=1)
    max_p95_increase: float | None = Field(None, ge=0)


class Promotion(Strict):
    """Where this environment's versions come from, and what they must have shown there."""

    from_: str = Field(alias="from", pattern=ENVIRONMENT, description="The source environment.")
    soak: str = Field("24h", description="How long the version must have served in `from`.")
    online: PromotionGates | None = None
    offline: list[OfflineGate] = []
    approval: Literal["none", "pull-request"] = "none"
    set_alias: str | None = Field(None, min_length=1, max_length=255)
    require_healthy: bool = Field(
        False, description="Wait until `model-gitops health` has seen the version Healthy in `from`."
    )

    model_config = {"extra": "forbid", "frozen": True, "populate_by_name": True}

    @field_validator("soak")
    @classmethod
    def _soak(cls, value: str) -> str:
        return _duration(value)

    @property
    def soak_seconds(self) -> int:
        return seconds(self.soak)
