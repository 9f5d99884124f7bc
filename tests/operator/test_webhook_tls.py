"""The webhook's own certificates, and the webhook's answers when it cannot judge: without an API server."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from typing import Any

from cryptography import x509

from controller.operator.index import Index
from controller.operator.webhook import AdmissionWebhook, tls_context
from controller.operator.webhook_tls import CA_VALIDITY, Bundle, issue, problem

NOW = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
HOSTS = ["frr-edge-webhook.frr-edge-system.svc", "127.0.0.1"]


def test_an_issued_certificate_serves_its_hosts_and_chains_to_its_ca() -> None:
    bundle = issue(HOSTS, NOW)

    assert problem(bundle, HOSTS, NOW) is None
    certificate = x509.load_pem_x509_certificate(bundle.cert)
    certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(bundle.ca_cert))
    tls_context(bundle)  # the ssl module loads it


def test_what_makes_a_stored_certificate_unusable_is_said() -> None:
    bundle = issue(HOSTS, NOW)
    other = issue(HOSTS, NOW)

    assert problem(Bundle(b"", b"", b"", b""), HOSTS, NOW) == "it does not hold a readable certificate, key and CA"
    assert problem(bundle, [*HOSTS, "frr-edge-webhook.frr-edge-system.svc.cluster.local"], NOW) == (
        "the certificate does not name frr-edge-webhook.frr-edge-system.svc.cluster.local"
    )
    assert problem(bundle, HOSTS, NOW + datetime.timedelta(days=340)) == "the certificate is valid until 2027-11-30"
    assert problem(Bundle(other.ca_cert, b"", bundle.cert, bundle.key), HOSTS, NOW) == (
        "the certificate is not signed by the CA"
    )
    assert problem(Bundle(bundle.ca_cert, b"", bundle.cert, other.key), HOSTS, NOW) == (
        "the key does not match the certificate"
    )


def test_a_renewed_certificate_keeps_the_ca_so_the_api_server_keeps_trusting_it() -> None:
    first = issue(HOSTS, NOW)

    renewed = issue(HOSTS, NOW + datetime.timedelta(days=340), first)
    late = issue(HOSTS, NOW + CA_VALIDITY - datetime.timedelta(days=200), first)

    assert renewed.ca_cert == first.ca_cert and renewed.cert != first.cert
    assert late.ca_cert != first.ca_cert  # within a year of its end, the CA itself is replaced


def test_a_served_certificate_is_verified_by_a_client_trusting_only_the_ca() -> None:
    bundle = issue(["localhost"], datetime.datetime.now(datetime.UTC))
    client = ssl.create_default_context(cadata=bundle.ca_cert.decode())

    assert client.get_ca_certs()[0]["subject"] == ((("commonName", "frr-edge-webhook-ca"),),)


def answer(webhook: AdmissionWebhook, request: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
    verdict = asyncio.run(webhook.verdict(request))
    return verdict.allowed, verdict.warnings


CANDIDATE = {"apiVersion": "frr-edge.dev/v1alpha1", "kind": "FirewallPolicy", "metadata": {"name": "p"}, "spec": {}}


def test_deletes_are_admitted_and_so_is_everything_before_the_index_is_complete() -> None:
    waiting = AdmissionWebhook(Index(), synced=lambda: False)

    assert answer(waiting, {"operation": "DELETE", "oldObject": CANDIDATE}) == (True, ())
    assert answer(waiting, {"operation": "CREATE", "object": CANDIDATE}) == (
        True,
        ("frr-edge's webhook is starting (its index is not complete): not checked",),
    )


def test_a_failure_inside_the_check_admits_and_says_so() -> None:
    class Broken(Index):
        def snapshot(self) -> Any:  # what the webhook reads the index through
            raise RuntimeError("a bug")

    webhook = AdmissionWebhook(Broken(), synced=lambda: True)

    allowed, warnings = answer(webhook, {"operation": "CREATE", "object": CANDIDATE})

    assert allowed and warnings == ("frr-edge could not check this object (RuntimeError)",)
