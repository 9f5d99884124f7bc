"""Map the outcome of an apply and an observation onto RouterState.status."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from controller.api.common import Condition, ObjectMeta
from controller.api.router import Router
from controller.api.routerstate import Departure, ReloadResult, RouterState, RouterStateStatus, StepResult
from controller.errors import FrrEdgeError
from controller.frrcfg.lines import lines
from controller.pipeline import RouterResult
from controller.router.outcome import ApplyReport, Observation, Preview, RouterUnreachable

# RouterState is one etcd object (at most 1.5 MiB by default), beside the sessions of every neighbor: the
# running config shown in it stops here (a thousand neighbors with policies of their own run past 1 MiB).
RUNNING_CONFIG_SHOWN = 512 * 1024
# A paused Router's RouterState holds at most this much of the pending changes (status objects stay small).
PENDING_LIMIT = 8192


def shown_running_config(running: str, limit: int = RUNNING_CONFIG_SHOWN) -> str:
    """The running config as RouterState shows it: whole lines up to `limit` characters, and a line saying
    how much was left out."""
    if len(running) <= limit:
        return running
    kept = running[: running.rfind("\n", 0, limit - 200) + 1]
    return kept + f"! frr-edge: {len(running) - len(kept)} of {len(running)} characters not shown here\n"


def bounded(text: str, limit: int = PENDING_LIMIT) -> str:
    """`text` cut at a line boundary to at most `limit` bytes of UTF-8, ending with a note of what was cut."""
    if len(text.encode()) <= limit:
        return text
    every = lines(text.removesuffix("\n"))
    kept: list[str] = []
    size = 0
    note_room = 160
    for line in every:
        size += len(line.encode()) + 1
        if size > limit - note_room:
            break
        kept.append(line)
    left = len(every) - len(kept)
    note = f"# frr-edge: cut at {limit} bytes: {left} more lines; `frr-edge diff` shows them all"
    return "".join(f"{line}\n" for line in kept) + note + "\n"


def config_identity(frr: str, nft: str) -> str:
    """SHA-256 over a rendered FRR config and ruleset: the identity of a configuration (desiredConfigHash)."""
    return hashlib.sha256(f"{frr}\0{nft}".encode()).hexdigest()


def desired_hash(result: RouterResult) -> str:
    """The identity of a rendered router's configuration; after a good apply, also that of the router's record
    of it (applied.frr and applied.nft in its working directory)."""
    return config_identity(result.frr, result.nft)


def condition(kind: str, ok: bool, reason: str, message: str, now: datetime) -> Condition:
    """A condition as the API conventions define it; the message is cut to what status readers show."""
    return Condition.model_validate(
        {
            "type": kind,
            "status": "True" if ok else "False",
            "reason": reason,
            "message": message[:1024],
            "lastTransitionTime": now,
        }
    )


def inputs_accepted(result: RouterResult, now: datetime) -> Condition:
    """InputsAccepted: every input object was used as written; False lists what was skipped or not mirrored.

    Does not count against Ready: the router runs what could be used, and each object also gets an Event.
    """
    if not result.warnings:
        return condition("InputsAccepted", True, "AllUsed", "every input object is used as written", now)
    shown = "; ".join(map(str, result.warnings[:10]))
    more = len(result.warnings) - 10
    message = shown + (f"; and {more} more (Events on the objects)" if more > 0 else "")
    reason = result.warnings[0].reason if len({w.reason for w in result.warnings}) == 1 else "PartlyUsed"
    return condition("InputsAccepted", False, reason, message, now)


def paused(router: Router, pending: Preview | None, now: datetime) -> Condition:
    """Paused: True while spec.paused holds frr-edge back from writing to the router, saying what waits."""
    if not router.spec.paused:
        return condition("Paused", False, "NotPaused", "frr-edge applies changes to the router", now)
    if pending is None:
        reason, waiting = "Paused", "what an apply would change is not known (see the other conditions)"
    elif pending.changed:
        reason = "ChangesPending"
        waiting = f"pending: {pending.summary()} (status.pendingChanges; `frr-edge diff` shows them all)"
    else:
        reason, waiting = "NothingPending", "nothing is pending: the router runs the desired configuration"
    return condition("Paused", True, reason, f"spec.paused is true: nothing is written to the router; {waiting}", now)


def router_state(
    router: Router,
    result: RouterResult,
    outcome: ApplyReport | FrrEdgeError | None,
    observation: Observation | None,
    now: datetime,
    pending: Preview | None = None,
    departures: Sequence[Departure] = (),
) -> RouterState:
    """The RouterState of `router` after an apply (outcome), or a status read (outcome None).

    `pending` is what an apply would change on a paused Router (spec.paused), when it could be worked out;
    `departures` the departed speakers whose neighbors the controller keeps for now.
    """
    fields: dict[str, Any] = {
        "observed_generation": router.metadata.generation,
        "host_key_verification": "Ignored" if router.spec.insecure_ignore_host_key else "Pinned",
        "departures": list(departures),
    }
    conditions: list[Condition] = []
    if result.errors:
        fields["conversion"] = StepResult(result="Failed", message="; ".join(map(str, result.errors)), time=now)
    else:
        fields["conversion"] = StepResult(result="Success", time=now)
    conditions.append(inputs_accepted(result, now))
    if isinstance(outcome, ApplyReport):
        fields["reload"] = ReloadResult(
            result="Success",
            method=outcome.method,
            message=outcome.message,
            duration_seconds=round(outcome.seconds, 3),
            time=now,
        )
        if outcome.nft_elements is not None:
            firewall = "elements changed: {} added, {} removed".format(*outcome.nft_elements)
        else:
            firewall = "table replaced" if outcome.nft_changed else "unchanged"
        fields["firewall"] = StepResult(
            result="Success" if outcome.nft_changed else "Skipped", message=firewall, time=now
        )
        fields["desired_config_hash"] = desired_hash(result)
        fields["last_good_apply_time"] = now
        conditions.append(condition("Applied", True, "Applied", outcome.message, now))
    elif isinstance(outcome, FrrEdgeError):
        fields["reload"] = ReloadResult(result="Failed", message=str(outcome)[:32768], time=now)
        conditions.append(condition("Applied", False, type(outcome).__name__, str(outcome), now))
    if observation is not None:
        fields["running_config"] = shown_running_config(observation.running_config)
        fields["sessions"] = observation.sessions
        fields["sessions_summary"] = observation.sessions_summary
        conditions.append(condition("Reachable", True, "Connected", "SSH and vtysh answer", now))
    conditions.append(paused(router, pending, now))
    if router.spec.paused and pending is not None:
        fields["pending_changes"] = bounded(pending.text())
    status = RouterStateStatus(conditions=conditions, **fields)
    metadata = ObjectMeta.model_validate({"name": router.metadata.name})
    return RouterState(metadata=metadata, status=status)


_READY_PARTS = ("ConfigValid", "Reachable", "Applied")


def ready(conditions: Mapping[str, Condition], now: datetime) -> Condition:
    """Ready: the configuration is valid, the router answers, the last apply succeeded, and none is held back."""
    failing = [conditions[kind] for kind in _READY_PARTS if kind in conditions and conditions[kind].status != "True"]
    paused = conditions.get("Paused")
    if not failing and paused is not None and paused.reason == "ChangesPending":
        return condition("Ready", False, "Paused", paused.message, now)
    if not failing:
        return condition("Ready", True, "Ready", "the router runs the desired configuration", now)
    message = "; ".join(f"{c.type}: {c.message}" for c in failing)
    return condition("Ready", False, failing[0].reason, message, now)


def reported_state(
    router: Router,
    result: RouterResult,
    outcome: ApplyReport | FrrEdgeError | None,
    observation: Observation | None,
    now: datetime,
    previous: Mapping[str, Condition],
    pending: Preview | None = None,
    departures: Sequence[Departure] = (),
) -> RouterState:
    """The RouterState the controller reports after one run; a pure function of its arguments.

    router_state's, with Reachable False when the router was not reached (or not tried: no usable key),
    ConfigValid, and Ready over them. `previous` holds the conditions reported before, by type: a condition
    this run has no news of stays as it was, and one whose status did not change keeps its
    lastTransitionTime (Kubernetes API conventions).
    """
    state = router_state(router, result, outcome, observation, now, pending, departures)
    assert state.status is not None
    fresh = {c.type: c for c in state.status.conditions}
    if isinstance(outcome, RouterUnreachable):
        fresh["Reachable"] = condition("Reachable", False, type(outcome).__name__, str(outcome), now)
    elif isinstance(outcome, FrrEdgeError) and observation is None:
        fresh["Reachable"] = condition("Reachable", False, "NotTried", str(outcome), now)
    first = result.errors[0] if result.errors else None
    fresh["ConfigValid"] = condition(
        "ConfigValid", first is None, type(first).__name__ if first else "Valid", str(first or "merged"), now
    )
    fresh["Ready"] = ready(fresh, now)
    kept = dict(previous)
    for kind, latest in fresh.items():
        before = previous.get(kind)
        if before is not None and before.status == latest.status:
            latest = latest.model_copy(update={"last_transition_time": before.last_transition_time})
        kept[kind] = latest
    conditions = [kept[kind] for kind in sorted(kept)]
    return state.model_copy(update={"status": state.status.model_copy(update={"conditions": conditions})})
