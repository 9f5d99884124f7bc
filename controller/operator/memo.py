"""What the controller keeps between runs, so that a run after one Service change costs little.

A Service's firewall rules and an allow rule's parts are kept for the very object they were computed from
(the index keeps a Service's plain value until the Service changes), a router's routing half for as long as
nothing but Services changed (the index's `routing_version`). Each answer is the core's own result for the
same input, so a render with this memo equals a render from scratch (tests/operator/test_memo.py). Entries
that the runs of two generations in a row did not use are forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from controller.api.firewallpolicy import AllowRule
from controller.merge.firewall import RuleParts, rule_parts
from controller.metallb.derive import ServiceRules, service_rules
from controller.metallb.resources import Service
from controller.pipeline import Memo, Routing

Key = TypeVar("Key")
Value = TypeVar("Value")


class ByIdentity(Generic[Key, Value]):
    """`compute(key)`, remembered for the very key object; `computed` counts the calls of `compute`."""

    def __init__(self, compute: Callable[[Key], Value]) -> None:
        self._compute = compute
        # id → (key, value): the key kept alive and compared, so an id reused by another object never hits.
        self._current: dict[int, tuple[Key, Value]] = {}
        self._previous: dict[int, tuple[Key, Value]] = {}
        self.computed = 0

    def __call__(self, key: Key) -> Value:
        found = self._current.get(id(key)) or self._previous.get(id(key))
        if found is not None and found[0] is key:
            self._current[id(key)] = found
            return found[1]
        value = self._compute(key)
        self.computed += 1
        self._current[id(key)] = (key, value)
        return value

    def turn(self) -> None:
        """A new generation: what the last one did not use goes at the next turn."""
        self._previous, self._current = self._current, {}

    def __len__(self) -> int:
        return len(self._current.keys() | self._previous.keys())


class RenderMemo:
    """The controller's memory for every router's renders; `at(version)` is the Memo for one snapshot."""

    def __init__(self) -> None:
        self.service_rules: ByIdentity[Service, ServiceRules] = ByIdentity(service_rules)
        self.rule_parts: ByIdentity[AllowRule, RuleParts] = ByIdentity(rule_parts)
        self._routing: dict[str, tuple[int, Routing]] = {}
        self.routings_computed = 0

    def at(self, routing_version: int) -> Memo:
        """The memo for a render from a snapshot taken at this `routing_version` of the index."""
        return _Snapshot(self, routing_version)

    def turn(self) -> None:
        self.service_rules.turn()
        self.rule_parts.turn()

    def routing(self, router: str, routing_version: int, compute: Callable[[], Routing]) -> Routing:
        known = self._routing.get(router)
        if known is not None and known[0] == routing_version:
            return known[1]
        routing = compute()
        self.routings_computed += 1
        self._routing[router] = (routing_version, routing)
        return routing

    def forget(self, router: str) -> None:
        self._routing.pop(router, None)


class _Snapshot:
    def __init__(self, memo: RenderMemo, routing_version: int) -> None:
        self._memo = memo
        self._version = routing_version

    def service_rules(self, service: Service) -> ServiceRules:
        return self._memo.service_rules(service)

    def rule_parts(self, rule: AllowRule) -> RuleParts:
        return self._memo.rule_parts(rule)

    def routing(self, router: str, compute: Callable[[], Routing]) -> Routing:
        return self._memo.routing(router, self._version, compute)
