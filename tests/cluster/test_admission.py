"""The admission webhook with the real API server calling it over TLS, checked through the real kubectl.

`frr-edge webhook` runs as the frr-edge ServiceAccount (deploy/rbac), fills its Secret and sets the caBundle
of deploy/webhook.yaml's configuration (pointed at a loopback URL: the lab has no Service routing). The
tests run in order on one set of objects, as a cluster's history does; the last ones stop the webhook
(SIGSTOP: it hangs; SIGTERM: it is gone) and show that failurePolicy Ignore leaves users free to create,
delete and fix, then start it again; the very last hands the certificate to cert-manager, as an admin would.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from controller.lab import cluster as lab
from controller.lab import webhook as lab_webhook
from controller.lab.kubectl import Kubectl
from controller.lab.processes import free_port
from controller.operator.webhook_tls import CERT_MANAGER_ANNOTATION, issue

REPO = Path(__file__).resolve().parents[2]
NAMESPACE = "admission"
SITE = {"frr-edge.dev/site": "admission"}
DENIED = 'admission webhook "validate.frr-edge.dev" denied the request'
PASSWORDS = ("alpha-Secret-1", "beta-Secret-2")


@dataclass
class Webhook:
    """One `frr-edge webhook` process and how the API server reaches it."""

    cluster: lab.Cluster
    directory: Path
    port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/validate"

    def start(self) -> None:
        argv = [
            sys.executable, "-m", "controller", "webhook",
            "--kubeconfig", str(self.cluster.controller_kubeconfig),
            "--webhook-address", f"127.0.0.1:{self.port}", "--webhook-host", "127.0.0.1",
            "--metrics-address", f"127.0.0.1:{self.metrics_port}",
        ]  # fmt: skip
        with (self.directory / "webhook.log").open("ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        wait_for(self.ready, 60, f"the webhook ready and serving (log {self.directory / 'webhook.log'})")

    def ready(self) -> bool:
        """/readyz says the index is complete, and the webhook completes a TLS handshake."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/readyz", timeout=2) as answer:
                if answer.status != 200:
                    return False
            ssl.get_server_certificate(("127.0.0.1", self.port), timeout=2)
        except OSError:  # urllib's HTTPError (503 while the index fills) included
            return False
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=30)

    def log(self) -> str:
        return (self.directory / "webhook.log").read_text(errors="replace")


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)


def router(name: str, site: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "Router",
        "metadata": {"name": name, "labels": {"frr-edge.dev/site": site, **labels}},
        "spec": {
            "address": "192.0.2.1",
            "user": "frr-edge",
            "sshKeySecretRef": {"namespace": "frr-edge-system", "name": f"{name}-ssh"},
            "insecureIgnoreHostKey": True,
        },
    }


def configuration(
    name: str, asn: int, selector: dict[str, str] | None = None, address: str = "192.0.2.50", **neighbor: Any
) -> dict[str, Any]:
    """An FRRConfiguration with one neighbor for the Routers `selector` selects (site admission)."""
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "routerSelector": {"matchLabels": selector or SITE},
            "bgp": {"routers": [{"asn": 64512, "neighbors": [{"address": address, "asn": asn, **neighbor}]}]},
        },
    }


def policy(name: str, action: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FirewallPolicy",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels or {}},
        "spec": {"routerSelector": {"matchLabels": SITE}, "defaultAction": action},
    }


def apply(kubectl: Kubectl, document: dict[str, Any], *flags: str) -> subprocess.CompletedProcess[str]:
    return kubectl.run("apply", "--filename=-", *flags, input=json.dumps(document))


def refused(kubectl: Kubectl, document: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """Apply `document`, expecting a refusal, once the webhook has seen the objects written just before it.

    The webhook checks against its index, which the watch fills a moment after each write (docs/gitops.md):
    dry runs, which change nothing, wait for that moment; the real apply follows.
    """
    deadline = time.monotonic() + 10
    while DENIED not in apply(kubectl, document, "--dry-run=server").stderr and time.monotonic() < deadline:
        time.sleep(0.1)
    return apply(kubectl, document)


def exists(kubectl: Kubectl, kind: str, name: str) -> bool:
    return kubectl.run("get", kind, name, f"--namespace={NAMESPACE}").returncode == 0


@pytest.fixture(scope="module")
def webhook(
    cluster: lab.Cluster, kubectl: Kubectl, crds: object, metallb_crds: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Webhook]:
    """deploy/rbac and deploy/webhook.yaml (at a loopback URL) installed, `frr-edge webhook` running."""
    for name in ("metallb-system", NAMESPACE):
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        kubectl("apply", "--filename=-", input=json.dumps(namespace))
    kubectl("apply", f"--filename={REPO / 'deploy' / 'rbac'}")
    running = Webhook(cluster, tmp_path_factory.mktemp("webhook"))
    lab_webhook.register(kubectl, running.url)
    try:
        running.start()
        wait_for(lambda: ca_bundle(kubectl), 30, "caBundle set by the webhook")
        yield running
    finally:
        running.stop()
        lab_webhook.unregister(kubectl)
        kubectl.run("delete", "namespace", NAMESPACE, "--wait=false")
        kubectl.run("delete", "routers", "admission-edge", "admission-edge-2", "--ignore-not-found")


def ca_bundle(kubectl: Kubectl) -> bytes:
    configuration = kubectl.json("get", "validatingwebhookconfiguration", lab_webhook.CONFIGURATION)
    return base64.b64decode(configuration["webhooks"][0]["clientConfig"].get("caBundle", ""))


def test_the_certificate_is_the_webhooks_own_and_the_api_server_trusts_its_ca(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    secret = kubectl.json("get", "secret", "frr-edge-webhook-tls", "--namespace=frr-edge-system")["data"]
    ca = x509.load_pem_x509_certificate(base64.b64decode(secret["ca.crt"]))
    served = ssl.get_server_certificate(("127.0.0.1", webhook.port))
    certificate = x509.load_pem_x509_certificate(served.encode())

    assert ca_bundle(kubectl) == base64.b64decode(secret["ca.crt"])
    certificate.verify_directly_issued_by(ca)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "frr-edge-webhook.frr-edge-system.svc" in names.get_values_for_type(x509.DNSName)
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_a_valid_configuration_is_admitted(webhook: Webhook, kubectl: Kubectl) -> None:
    for document in (router("admission-edge", "admission"), configuration("team-a", 64600)):
        created = apply(kubectl, document)
        assert created.returncode == 0, created.stderr
    assert exists(kubectl, "frrconfiguration", "team-a")


def test_a_conflicting_configuration_is_refused_at_apply_naming_both_objects_the_field_and_the_router(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    refusal = refused(kubectl, configuration("team-b", 64601))

    assert refusal.returncode != 0
    assert DENIED in refusal.stderr, refusal.stderr
    assert "FRRConfiguration admission/team-b would break router admission-edge" in refusal.stderr
    assert "FRRConfiguration admission/team-a and FRRConfiguration admission/team-b conflict" in refusal.stderr
    assert "neighbor 192.0.2.50 (vrf default) asn: 64600 (from admission/team-a) != 64601" in refusal.stderr
    assert not exists(kubectl, "frrconfiguration", "team-b")


def test_dry_run_server_refuses_it_too_and_admits_a_valid_one_without_creating_it(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    dry = apply(kubectl, configuration("team-b", 64601), "--dry-run=server")
    admitted = apply(kubectl, configuration("team-c", 64600), "--dry-run=server")

    assert dry.returncode != 0 and DENIED in dry.stderr
    assert "FRRConfiguration admission/team-a and FRRConfiguration admission/team-b conflict" in dry.stderr
    assert admitted.returncode == 0, admitted.stderr
    assert "(server dry run)" in admitted.stdout
    assert not exists(kubectl, "frrconfiguration", "team-c")


def test_an_update_into_a_conflict_is_refused_and_the_object_keeps_its_version(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    assert apply(kubectl, configuration("team-c", 64600, address="192.0.2.52")).returncode == 0

    refusal = refused(kubectl, configuration("team-c", 64600, holdTime="30s"))  # team-a's neighbor, other timers

    assert DENIED in refusal.stderr
    assert "team-a" in refusal.stderr and "team-c" in refusal.stderr and "holdTime" in refusal.stderr, refusal.stderr
    stored = kubectl.json("get", "frrconfiguration", "team-c", f"--namespace={NAMESPACE}")
    assert stored["spec"]["bgp"]["routers"][0]["neighbors"][0]["address"] == "192.0.2.52"


def test_an_update_that_resets_a_bgp_session_is_admitted_and_kubectl_shows_the_warning(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    assert apply(kubectl, configuration("restart", 64600, address="192.0.2.54")).returncode == 0

    updated = apply(kubectl, configuration("restart", 64600, address="192.0.2.54", enableGracefulRestart=True))

    assert updated.returncode == 0, updated.stderr
    warning = "Warning: router admission-edge: the BGP session with neighbor 192.0.2.54 will be reset"
    assert f"{warning} (graceful-restart changes)" in updated.stderr, updated.stderr
    timers = apply(
        kubectl, configuration("restart", 64600, address="192.0.2.54", enableGracefulRestart=True, holdTime="30s")
    )
    assert timers.returncode == 0 and "Warning" not in timers.stderr, timers.stderr


def test_passwords_that_disagree_are_refused_without_showing_either(webhook: Webhook, kubectl: Kubectl) -> None:
    first = configuration("pw-1", 64600, address="192.0.2.53", password=PASSWORDS[0])
    assert apply(kubectl, first).returncode == 0

    refusal = refused(kubectl, configuration("pw-2", 64600, address="192.0.2.53", password=PASSWORDS[1]))

    assert DENIED in refusal.stderr and "pw-1" in refusal.stderr and "pw-2" in refusal.stderr
    assert not any(password in refusal.stderr for password in PASSWORDS)
    assert not any(password in webhook.log() for password in PASSWORDS)
    assert kubectl.run("delete", "frrconfiguration", "pw-1", f"--namespace={NAMESPACE}").returncode == 0


def test_a_router_relabelled_into_a_conflict_is_refused(webhook: Webhook, kubectl: Kubectl) -> None:
    assert apply(kubectl, router("admission-edge-2", "other", team="x")).returncode == 0
    assert apply(kubectl, configuration("team-x", 64999, selector={"team": "x"})).returncode == 0

    refusal = refused(kubectl, router("admission-edge-2", "admission", team="x"))  # team-a's Routers too

    assert DENIED in refusal.stderr
    assert "Router admission-edge-2 would be left without a valid configuration" in refusal.stderr
    assert "team-x" in refusal.stderr and "team-a" in refusal.stderr
    labels = kubectl.json("get", "router", "admission-edge-2")["metadata"]["labels"]
    assert labels == {"frr-edge.dev/site": "other", "team": "x"}


def test_firewall_policies_that_disagree_are_refused(webhook: Webhook, kubectl: Kubectl) -> None:
    assert apply(kubectl, policy("drop-by-default", "drop")).returncode == 0

    refusal = refused(kubectl, policy("accept-by-default", "accept"))

    assert DENIED in refusal.stderr
    assert "drop-by-default" in refusal.stderr and "accept-by-default" in refusal.stderr
    assert "defaultAction" in refusal.stderr


def test_a_raw_snippet_frr_would_refuse_is_refused_naming_its_field(webhook: Webhook, kubectl: Kubectl) -> None:
    raw = configuration("raw-typo", 64600)
    typo = "router bgp 64512\n neighbor 192.0.2.51 remote-as\n"
    raw["spec"] = {"routerSelector": {"matchLabels": SITE}, "raw": {"rawConfig": typo}}

    refusal = refused(kubectl, raw)

    assert DENIED in refusal.stderr
    assert "FRRConfiguration admission/raw-typo: spec.raw.rawConfig: line 2" in refusal.stderr, refusal.stderr


def test_deleting_is_always_allowed(webhook: Webhook, kubectl: Kubectl) -> None:
    deleted = kubectl.run("delete", "frrconfiguration", "team-c", f"--namespace={NAMESPACE}")
    assert deleted.returncode == 0, deleted.stderr
    assert not exists(kubectl, "frrconfiguration", "team-c")


def test_with_the_webhook_hung_users_can_still_create_delete_and_fix_within_its_timeout(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    assert webhook.process is not None
    os.kill(webhook.process.pid, signal.SIGSTOP)  # it accepts connections and never answers
    try:
        started = time.monotonic()
        created = apply(kubectl, configuration("team-b", 64601))
        waited = time.monotonic() - started
        fixed = apply(kubectl, configuration("team-b", 64600))
        deleted = kubectl.run("delete", "frrconfiguration", "team-b", f"--namespace={NAMESPACE}")
    finally:
        os.kill(webhook.process.pid, signal.SIGCONT)

    assert created.returncode == 0, created.stderr  # failurePolicy Ignore: admitted after timeoutSeconds
    assert 4 <= waited < 15, waited
    assert fixed.returncode == 0, fixed.stderr
    assert deleted.returncode == 0, deleted.stderr
    print(f"a write waited {waited:.1f} s for the hung webhook")


def test_with_the_webhook_stopped_users_can_still_create_delete_and_fix(webhook: Webhook, kubectl: Kubectl) -> None:
    bundle = ca_bundle(kubectl)
    webhook.stop()

    started = time.monotonic()
    created = apply(kubectl, configuration("team-b", 64601))
    waited = time.monotonic() - started
    deleted = kubectl.run("delete", "frrconfiguration", "team-a", f"--namespace={NAMESPACE}")
    recreated = apply(kubectl, configuration("team-a", 64600))  # a conflict again, made while nobody checks

    assert created.returncode == 0, created.stderr
    assert waited < 4, waited  # nothing listens: refused at once, admitted at once
    assert deleted.returncode == 0 and recreated.returncode == 0

    webhook.start()

    assert ca_bundle(kubectl) == bundle, "a restart replaced a certificate that was still good"
    # team-a and team-b break the router already: an unrelated edit is admitted (kubectl shows a warning), and
    # so is the fix; a new conflict is refused again.
    unrelated = apply(kubectl, policy("drop-by-default", "drop", labels={"team": "a"}))
    assert unrelated.returncode == 0, unrelated.stderr
    assert "Warning: router admission-edge is already not rendered, not because of this object" in unrelated.stderr
    fixed = apply(kubectl, configuration("team-b", 64600))
    assert fixed.returncode == 0, fixed.stderr
    assert "Warning" not in fixed.stderr
    assert DENIED in apply(kubectl, configuration("team-d", 64700)).stderr


def test_with_cert_manager_frr_edge_serves_the_certificate_it_finds_and_leaves_the_ca_bundle_alone(
    webhook: Webhook, kubectl: Kubectl
) -> None:
    """What cert-manager would do (a Certificate writing the Secret, its CA injector the caBundle) done by the
    test; frr-edge's side is the real one."""
    webhook.stop()
    hosts = ["frr-edge-webhook.frr-edge-system.svc", "127.0.0.1"]
    theirs = issue(hosts, datetime.datetime.now(datetime.UTC))
    data = {"tls.crt": theirs.cert, "tls.key": theirs.key, "ca.crt": theirs.ca_cert}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "frr-edge-webhook-tls", "namespace": "frr-edge-system"},
        "data": {key: base64.b64encode(value).decode() for key, value in data.items()},
    }
    kubectl("replace", "--filename=-", input=json.dumps(secret))
    annotation = f"{CERT_MANAGER_ANNOTATION}=frr-edge-system/frr-edge-webhook"
    kubectl("annotate", "validatingwebhookconfiguration", lab_webhook.CONFIGURATION, annotation)
    bundle = base64.b64encode(theirs.ca_cert).decode()
    patch = json.dumps([{"op": "add", "path": "/webhooks/0/clientConfig/caBundle", "value": bundle}])
    kubectl("patch", "validatingwebhookconfiguration", lab_webhook.CONFIGURATION, "--type=json", f"--patch={patch}")

    webhook.start()

    served = ssl.get_server_certificate(("127.0.0.1", webhook.port)).encode()
    assert x509.load_pem_x509_certificate(served) == x509.load_pem_x509_certificate(theirs.cert)
    assert ca_bundle(kubectl) == theirs.ca_cert
    stored = kubectl.json("get", "secret", "frr-edge-webhook-tls", "--namespace=frr-edge-system")["data"]
    assert set(stored) == {"tls.crt", "tls.key", "ca.crt"}  # nothing written by frr-edge
    assert DENIED in refused(kubectl, configuration("team-e", 64701)).stderr
