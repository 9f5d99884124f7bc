"""Metrics text: what Prometheus parses, with label values escaped and series forgotten with their router."""

from __future__ import annotations

from controller.operator.metrics import Metrics


def test_counters_gauges_and_histogram_render_in_the_text_format() -> None:
    metrics = Metrics()
    metrics.inc("frr_edge_applies_total", router="edge-1", method="delta")
    metrics.inc("frr_edge_applies_total", router="edge-1", method="delta")
    metrics.set("frr_edge_bgp_session_up", 1, router="edge-1", peer="192.0.2.11", vrf="default")
    metrics.observe_duration(0.3, router="edge-1")
    metrics.observe_duration(3.0, router="edge-1")
    text = metrics.render()
    assert 'frr_edge_applies_total{method="delta",router="edge-1"} 2.0' in text
    assert 'frr_edge_bgp_session_up{peer="192.0.2.11",router="edge-1",vrf="default"} 1' in text
    assert 'frr_edge_apply_duration_seconds_bucket{router="edge-1",le="0.5"} 1' in text
    assert 'frr_edge_apply_duration_seconds_bucket{router="edge-1",le="+Inf"} 2' in text
    assert 'frr_edge_apply_duration_seconds_count{router="edge-1"} 2' in text
    assert "# TYPE frr_edge_apply_duration_seconds histogram" in text


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.set("frr_edge_router_reachable", 0, router='odd"name\\')
    assert 'frr_edge_router_reachable{router="odd\\"name\\\\"} 0' in metrics.render()


def test_forget_drops_a_routers_series() -> None:
    metrics = Metrics()
    metrics.set("frr_edge_bgp_session_up", 1, router="a", peer="p", vrf="default")
    metrics.set("frr_edge_bgp_session_up", 1, router="b", peer="p", vrf="default")
    metrics.forget("frr_edge_bgp_session_up", router="a")
    assert metrics.value("frr_edge_bgp_session_up", router="a", peer="p", vrf="default") is None
    assert metrics.value("frr_edge_bgp_session_up", router="b", peer="p", vrf="default") == 1
