"""Given the core samples, when frr-edge applies them to the lab router, BGP, routes and firewall behave."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from controller.lab import router as lab
from controller.router.linux.apply import differences
from tests.router.conftest import FIXTURES, SAMPLES, FrrEdge, Run, nft_table, running_config, same_config, wait_for

LIMITED = ("203.0.113.10", 80)  # 2 mbytes/second burst 512 kbytes in samples/core/firewall.yaml
UNLIMITED = ("203.0.113.10", 443)
DROPPED = ("203.0.113.10", 8080)  # a server listens there, but the policy does not allow it
LIMIT = 2 * 1024 * 1024


def test_every_speaker_session_is_established_within_30_seconds(frr_edge: FrrEdge) -> None:
    emptied = frr_edge("apply", SAMPLES[-1])  # the firewall only: no neighbor left
    assert emptied.code == 0, emptied.stderr
    assert emptied.sessions() == {}

    run = frr_edge("apply")

    assert run.code == 0, run.stderr
    assert run.method == "delta"
    seconds = wait_for(
        lambda: (
            frr_edge("status").sessions()
            == {"192.0.2.11": "Established", "192.0.2.12": "Established", "2001:db8::11": "Established"}
        ),
        timeout=30,
    )
    print(f"sessions Established {seconds:.1f} s after apply")


def test_load_balancer_ips_are_routed_with_ecmp_across_speakers(applied: Run, router_lab: lab.RouterLab) -> None:
    for ip in lab.LB_IPS:
        shown = subprocess.run(
            ["ip", "-j", "-n", router_lab.router_namespace, "route", "show", f"{ip}/32"],
            capture_output=True,
            text=True,
            check=True,
        )
        routes = json.loads(shown.stdout)
        assert len(routes) == 1, routes
        assert routes[0]["protocol"] == "bgp"
        assert sorted(hop["gateway"] for hop in routes[0]["nexthops"]) == ["192.0.2.11", "192.0.2.12"]


def test_client_reaches_an_allowed_port_and_another_port_is_dropped(applied: Run, router_lab: lab.RouterLab) -> None:
    allowed = lab.send(router_lab, *UNLIMITED)
    dropped = lab.send(router_lab, *DROPPED)

    assert allowed["connected"], allowed
    assert allowed["greeting"] in {"s1", "s2"}
    assert not dropped["connected"], dropped
    assert "timed out" in dropped["error"]


def test_rate_limit_holds_a_client_sending_twice_the_limit(applied: Run, router_lab: lab.RouterLab) -> None:
    limited = lab.send(router_lab, *LIMITED, seconds=4, rate=2 * LIMIT)

    assert limited["connected"], limited
    assert limited["rate"] <= LIMIT * 1.10, f"{limited['rate'] / LIMIT:.2f} x the limit got through"
    assert limited["rate"] >= LIMIT * 0.5, f"only {limited['rate'] / LIMIT:.2f} x the limit got through"


def test_a_service_without_limit_is_not_slowed(applied: Run, router_lab: lab.RouterLab) -> None:
    unlimited = lab.send(router_lab, *UNLIMITED, seconds=4, rate=2 * LIMIT)

    assert unlimited["connected"], unlimited
    assert unlimited["rate"] >= 2 * LIMIT * 0.9, f"{unlimited['rate'] / LIMIT:.2f} x the limit got through"


def test_applying_the_same_state_again_changes_nothing(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    before = running_config(router_lab)
    table_before = nft_table(router_lab)

    again = frr_edge("apply")

    assert again.code == 0, again.stderr
    assert again.method == "none"
    assert again.status["firewall"]["result"] == "Skipped"
    assert running_config(router_lab) == before
    assert nft_table(router_lab) == table_before  # rule handles change whenever the table is replaced


def test_status_shows_sessions_and_a_redacted_running_config(applied: Run, frr_edge: FrrEdge) -> None:
    status = frr_edge("status")

    assert status.code == 0, status.stderr
    assert status.status["sessionsSummary"] == "3/3"
    assert all(session["owned"] for session in status.status["sessions"])
    running = status.status["runningConfig"]
    assert "neighbor 192.0.2.11 password <redacted>" in running
    assert "sample-only-change-me" not in running


def test_applied_config_is_what_the_router_runs(applied: Run, router_lab: lab.RouterLab, frr_edge: FrrEdge) -> None:
    status = frr_edge("status")

    seen_by_root = running_config(router_lab).replace("sample-only-change-me", "<redacted>")
    # Root's vtysh adds the line of its own vtysh.conf, which frr-edge's user (group frrvty) cannot read.
    assert same_config(status.status["runningConfig"], seen_by_root.replace("service integrated-vtysh-config\n", ""))


def test_a_change_the_delta_cannot_express_goes_through_frr_reload_and_says_so(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    added = frr_edge("apply", *SAMPLES, FIXTURES / "static-route.yaml")
    with_route = running_config(router_lab)
    removed = frr_edge("apply")

    assert added.code == 0, added.stderr
    assert added.method == "frr-reload"
    assert "delta cannot express: ip route 203.0.113.128/25 blackhole: added" in added.status["reload"]["message"]
    assert "ip route 203.0.113.128/25 blackhole" in with_route
    assert removed.code == 0, removed.stderr
    assert removed.method == "frr-reload"
    assert "ip route 203.0.113.128/25 blackhole" not in running_config(router_lab)


def test_a_raw_snippets_neighbor_goes_whole_when_the_snippet_is_deleted(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    """Its activation in ipv4 unicast, written by the delta, is frr-edge's too: nothing of it is left behind."""
    added = frr_edge("apply", *SAMPLES, FIXTURES / "raw-neighbor.yaml")
    with_neighbor = running_config(router_lab)
    removed = frr_edge("apply")

    assert added.code == 0, added.stderr
    assert "neighbor 192.0.2.70 activate" in with_neighbor
    assert removed.code == 0, removed.stderr
    assert removed.status["reload"]["result"] == "Success"
    assert "192.0.2.70" not in running_config(router_lab)


def test_differences_shown_in_messages_hide_passwords_also_behind_a_context() -> None:
    left = ["router bgp 64512: neighbor 192.0.2.11 password s3cret: added", " neighbor 192.0.2.12 password other"]

    shown = differences(left)

    assert shown == (
        "router bgp 64512: neighbor 192.0.2.11 password <redacted>: added; neighbor 192.0.2.12 password <redacted>"
    )


def test_a_raw_snippet_with_abbreviated_keywords_applies_by_delta_and_then_is_in_sync(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab
) -> None:
    """`nei X pass S` is FRR's `neighbor X password S`: it must not differ from what FRR shows forever."""
    added = frr_edge("apply", *SAMPLES, FIXTURES / "abbreviated-raw.yaml")
    again = frr_edge("apply", *SAMPLES, FIXTURES / "abbreviated-raw.yaml")
    running = running_config(router_lab)
    removed = frr_edge("apply")

    assert added.code == 0, added.stderr
    assert added.method == "delta", added.status["reload"]["message"]
    assert " neighbor 192.0.2.60 description written short\n" in running
    assert " neighbor 192.0.2.60 password AbbrevSecret1\n" in running
    assert again.code == 0 and again.method == "none", again.stderr
    assert removed.code == 0, removed.stderr
    assert "192.0.2.60" not in running_config(router_lab)


def test_tcp_md5_keys_the_kernel_refuses_are_a_warning_not_a_silent_success(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    """bgpd keeps `neighbor X password` when the kernel refuses its TCP MD5 key (each key takes socket option
    memory, net.core.optmem_max per namespace: 131072 bytes held ~690 IPv6 keys), so the running config is as
    desired but those sessions cannot come up. With the limit lowered, 40 password neighbors are applied by
    the delta (frr-reload.py would find nothing to change), and the apply says which neighbors, how many,
    and the remedy, never the passwords. Before, it fell back to frr-reload.py and reported plain success."""
    neighbors = [
        {"address": f"2001:db8::{0x2000 + index:x}", "asn": 64999, "password": f"md5-secret-{index}"}
        for index in range(40)
    ]
    document = {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": "many-passwords", "namespace": "frr-edge-system"},
        "spec": {
            "routerSelector": {"matchLabels": lab.LAB_LABELS},
            "bgp": {"routers": [{"asn": lab.ROUTER_ASN, "neighbors": neighbors}]},
        },
    }
    extra = tmp_path / "many-passwords.yaml"
    extra.write_text(json.dumps(document))
    optmem = ["ip", "netns", "exec", router_lab.router_namespace, "sysctl", "-n", "net.core.optmem_max"]
    before = subprocess.run(optmem, capture_output=True, text=True, check=True).stdout.strip()
    setting = ["ip", "netns", "exec", router_lab.router_namespace, "sysctl", "-qw"]
    subprocess.run([*setting, "net.core.optmem_max=2048"], check=True)
    try:
        run = frr_edge("apply", *SAMPLES, extra)
    finally:
        subprocess.run([*setting, f"net.core.optmem_max={before}"], check=True)
        restored = frr_edge("apply")
    message = run.status["reload"]["message"]

    assert run.code == 0, run.stderr
    assert run.method == "delta", message
    assert "could not install the TCP MD5 key of" in message
    assert "net.core.optmem_max" in message
    assert "2001:db8::" in message
    assert "md5-secret" not in message + run.stderr
    assert "md5-secret" not in json.dumps(run.state)
    assert restored.code == 0, restored.stderr
    assert "2001:db8::2000" not in running_config(router_lab)
