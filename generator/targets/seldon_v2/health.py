"""Argo CD health checks for Seldon Core 2 `Model`s and `Experiment`s, in Lua (Argo CD runs
gopher-lua, Lua 5.1). Argo CD ships none for `mlops.seldon.io`.

From SeldonIO/seldon-core@v2.10.2 `operator/`: both kinds keep knative-style conditions
(`status.conditions`: type, status, reason, message) whose `Ready` condition sums up the others.

- Model (`apis/mlops/v1alpha1/model_conditions.go`, `scheduler/model.go`): `ModelReady` (and
  with it `Ready`) is True when the scheduler reports ModelAvailable, else False, with the
  scheduler's state in `message` (ModelProgressing, ModelFailed, ScheduleFailed,
  ModelTerminating, ModelScaledDown, ...) and its explanation in `reason`. Ready -> Healthy;
  ModelFailed, ScheduleFailed and ModelTerminateFailed -> Degraded; ModelScaledDown ->
  Suspended; any other state, or no condition yet -> Progressing.
- Experiment (`apis/mlops/v1alpha1/experiment_types.go`, `scheduler/experiment.go`,
  `controllers/mlops/experiment_controller.go`): `ExperimentReady`, `CandidatesReady` and
  `MirrorReady`, their text in `reason`. Ready -> Healthy. The scheduler refusing the
  Experiment (a default that is not a candidate, a Model already the default of another
  Experiment) is recorded by the operator as a False condition of type `ModelReady` -> Degraded.
  Otherwise it waits for its Models -> Progressing.
"""

from __future__ import annotations

MODEL_HEALTH_KEY = "resource.customizations.health.mlops.seldon.io_Model"
EXPERIMENT_HEALTH_KEY = "resource.customizations.health.mlops.seldon.io_Experiment"

_CONDITIONS = """\
local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, found in ipairs(obj.status.conditions) do
    if found.type == kind then
      return found
    end
  end
  return nil
end
local function text(found)
  local parts = {}
  for _, key in ipairs({"message", "reason"}) do
    if found[key] ~= nil and found[key] ~= "" then
      table.insert(parts, tostring(found[key]))
    end
  end
  return table.concat(parts, ": ")
end
local function said(prefix, found)
  local detail = text(found)
  if detail == "" then
    return prefix
  end
  return prefix .. ": " .. detail
end
"""

MODEL_HEALTH_LUA = (
    "-- model-gitops: health of a Seldon Core 2 Model from its Ready/ModelReady conditions\n"
    + _CONDITIONS
    + """\
local hs = {}
local ready = condition("Ready") or condition("ModelReady")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for Seldon Core 2 to report the Model's conditions"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = said("Model is available", ready)
  return hs
end
local failed = {ModelFailed = true, ScheduleFailed = true, ModelTerminateFailed = true}
local state = ready.message or ""
if ready.status == "False" and (failed[state] or failed[ready.reason or ""]) then
  hs.status = "Degraded"
  hs.message = said("Model failed", ready)
elseif ready.status == "False" and (state == "ModelScaledDown" or ready.reason == "ModelScaledDown") then
  hs.status = "Suspended"
  hs.message = said("Model is scaled down", ready)
else
  hs.status = "Progressing"
  hs.message = said("Model is not ready yet", ready)
end
return hs
"""
)

EXPERIMENT_HEALTH_LUA = (
    "-- model-gitops: health of a Seldon Core 2 Experiment from its conditions\n"
    + _CONDITIONS
    + """\
local hs = {}
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = "Experiment is active"
  return hs
end
local refused = condition("ModelReady")
if refused ~= nil and refused.status == "False" then
  hs.status = "Degraded"
  hs.message = said("Experiment refused by the Seldon scheduler", refused)
  return hs
end
hs.status = "Progressing"
for _, kind in ipairs({"CandidatesReady", "MirrorReady", "ExperimentReady"}) do
  local waiting = condition(kind)
  if waiting ~= nil and waiting.status == "False" then
    hs.message = said("Experiment is not active yet", waiting)
    return hs
  end
end
hs.message = "Waiting for Seldon Core 2 to start the Experiment"
return hs
"""
)

HEALTH_CHECKS = {MODEL_HEALTH_KEY: MODEL_HEALTH_LUA, EXPERIMENT_HEALTH_KEY: EXPERIMENT_HEALTH_LUA}
