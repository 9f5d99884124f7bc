-- Argo CD health check for frr-edge.dev Router, RouterState, FRRConfiguration and FirewallPolicy: the same
-- text under all four keys of docs/argocd/argocd-cm.yaml (a test keeps them equal).
--   1. status.observedGeneration, or the Ready condition's, behind metadata.generation: frr-edge has not
--      acted on the latest spec yet -> Progressing.
--   2. The Ready condition: True -> Healthy, False -> Degraded, Unknown or missing -> Progressing.
-- FRRConfiguration and FirewallPolicy carry no status today (frr-edge reports their effect in the
-- RouterState of each Router they select): without a Ready condition they are Healthy, otherwise Argo CD
-- would wait for them forever. A RouterState's observedGeneration counts its Router's generations.
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

if behind(status.observedGeneration) then
  return waiting(status.observedGeneration)
end

local ready = nil
if type(status.conditions) == "table" then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end

if ready == nil then
  if obj.kind == "FRRConfiguration" or obj.kind == "FirewallPolicy" then
    hs.status = "Healthy"
    hs.message = "frr-edge reports the effect of this object in the RouterState of each Router it selects"
  else
    hs.status = "Progressing"
    hs.message = "Waiting for frr-edge to report the Ready condition"
  end
  return hs
end

if behind(ready.observedGeneration) then
  return waiting(ready.observedGeneration)
end

hs.message = ready.reason or "Ready"
if ready.message ~= nil and ready.message ~= "" then
  hs.message = hs.message .. ": " .. ready.message
end
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
return hs
