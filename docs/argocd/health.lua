-- Argo CD health check for frr-edge.dev Router, RouterState, FRRConfiguration and FirewallPolicy: the same
-- text under all four keys of docs/argocd/argocd-cm.yaml (a test keeps them equal).
--   1. status.observedGeneration, or the Ready condition's, behind metadata.generation: frr-edge has not
--      acted on the latest spec yet -> Progressing.
--   2. A Paused condition True (Router.spec.paused: frr-edge writes nothing to the router) -> Suspended, with
--      what is pending; Argo CD shows suspended objects apart from broken ones.
--   2b. The Ready condition: True -> Healthy, False -> Degraded, Unknown -> Progressing.
--   3. No Ready condition. RouterState: its Reachable, ConfigValid and Applied conditions decide (any False
--      -> Degraded; Reachable and ConfigValid True -> Healthy; otherwise Progressing, frr-edge has not
--      reported yet). Router, FRRConfiguration, FirewallPolicy: frr-edge writes no status on the user's
--      objects and reports their effect in RouterState, so they are Healthy; anything else would keep an
--      Application Progressing forever. A RouterState's observedGeneration counts its Router's generations.
local hs = {}
local generation = obj.metadata and obj.metadata.generation
local status = obj.status or {}

local function behind(observed)
  return generation ~= nil and observed ~= nil and observed < generation
end

local function waiting(observed)
  hs.status = "Progressing"
  hs.message = "frr-edge has not acted on generation " .. generation .. " yet (it last saw " .. observed .. ")"
  return hs
end

local function describe(condition)
  local text = condition.type .. " " .. (condition.reason or condition.status)
  if condition.message ~= nil and condition.message ~= "" then
    text = text .. ": " .. condition.message
  end
  return text
end

if behind(status.observedGeneration) then
  return waiting(status.observedGeneration)
end

local conditions = {}
if type(status.conditions) == "table" then
  for _, condition in ipairs(status.conditions) do
    conditions[condition.type] = condition
  end
end

local paused = conditions["Paused"]
if paused ~= nil and paused.status == "True" then
  hs.status = "Suspended"
  hs.message = describe(paused)
  return hs
end

local ready = conditions["Ready"]
if ready ~= nil then
  if behind(ready.observedGeneration) then
    return waiting(ready.observedGeneration)
  end
  hs.message = describe(ready)
  if ready.status == "True" then
    hs.status = "Healthy"
  elseif ready.status == "False" then
    hs.status = "Degraded"
  else
    hs.status = "Progressing"
  end
  return hs
end

if obj.kind ~= "RouterState" then
  hs.status = "Healthy"
  hs.message = "frr-edge reports the effect of this object in RouterState"
  return hs
end

for _, name in ipairs({"Reachable", "ConfigValid", "Applied"}) do
  local condition = conditions[name]
  if condition ~= nil and condition.status == "False" then
    hs.status = "Degraded"
    hs.message = describe(condition)
    return hs
  end
end
local reachable, valid = conditions["Reachable"], conditions["ConfigValid"]
if reachable ~= nil and valid ~= nil and reachable.status == "True" and valid.status == "True" then
  hs.status = "Healthy"
  hs.message = "sessions Established: " .. (status.sessionsSummary or "?")
  return hs
end
hs.status = "Progressing"
hs.message = "Waiting for frr-edge to reach the router"
return hs
