"""The Argo CD health check for Seldon Core v1 `SeldonDeployment`s, in Lua (Argo CD runs gopher-lua, Lua 5.1).

The Seldon operator reports `status.state`: Available, Creating or Failed, and a reason in
`status.description`. Argo CD shows them as Healthy, Progressing and Degraded; a resource the
operator has not reported on yet is Progressing, an unknown state is Unknown.
"""

from __future__ import annotations

HEALTH_KEY = "resource.customizations.health.machinelearning.seldon.io_SeldonDeployment"

SELDON_HEALTH_LUA = """\
-- model-gitops: health of a Seldon Core v1 SeldonDeployment from status.state
local hs = {}
local states = {
  Available = {"Healthy", "SeldonDeployment is available"},
  Creating = {"Progressing", "SeldonDeployment is being created"},
  Failed = {"Degraded", "SeldonDeployment failed"},
}
if obj.status == nil or obj.status.state == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Seldon operator to report status.state"
  return hs
end
local known = states[obj.status.state]
if known == nil then
  hs.status = "Unknown"
  hs.message = "SeldonDeployment has state " .. tostring(obj.status.state)
  return hs
end
hs.status = known[1]
hs.message = known[2]
if obj.status.description ~= nil and obj.status.description ~= "" then
  hs.message = known[2] .. ": " .. tostring(obj.status.description)
end
return hs
"""
