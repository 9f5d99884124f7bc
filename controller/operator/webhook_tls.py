"""The admission webhook's certificate, managed by frr-edge itself: a CA of its own, kept in a Secret, and the
CA's certificate written into the ValidatingWebhookConfiguration's caBundle, which the API server trusts.

At start and every few hours: read the Secret (deploy/webhook.yaml creates it empty); if it holds no usable
pair (missing, expiring within 30 days, not for the Service's names), issue one, reusing the stored CA while
it has more than a year left, and write it with the Secret's resourceVersion, so two replicas starting at
once agree on one (the loser reads the winner's). Then the caBundle of every webhook in the configuration is
set to that CA where it differs. With cert-manager instead (the configuration annotated
`cert-manager.io/inject-ca-from`, docs/gitops.md), frr-edge only reads `tls.crt`/`tls.key` from the Secret
cert-manager writes and leaves the caBundle to cert-manager's CA injector.
"""

from __future__ import annotations

import base64
import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from controller.addresses import parse_address

logger = logging.getLogger(__name__)

CA_VALIDITY = datetime.timedelta(days=3650)
CERT_VALIDITY = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)
CA_RENEW_BEFORE = datetime.timedelta(days=365)
CERT_MANAGER_ANNOTATION = "cert-manager.io/inject-ca-from"
_KEYS = ("ca.crt", "ca.key", "tls.crt", "tls.key")


class WebhookTLSError(Exception):
    """The webhook's certificate cannot be had; the message says what to fix (never key material)."""


@dataclass(frozen=True, slots=True)
class Bundle:
    """PEM texts: the CA (its key only when frr-edge issued it) and the serving certificate with its key."""

    ca_cert: bytes
    ca_key: bytes
    cert: bytes
    key: bytes


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _alternative_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(parse_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _new_ca(now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("frr-edge-webhook-ca"))
        .issuer_name(_name("frr-edge-webhook-ca"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _stored_ca(
    previous: Bundle | None, now: datetime.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The CA of a stored bundle while it has more than CA_RENEW_BEFORE left (the caBundle then stays)."""
    if previous is None or not previous.ca_key:
        return None
    try:
        certificate = x509.load_pem_x509_certificate(previous.ca_cert)
        key = serialization.load_pem_private_key(previous.ca_key, None)
    except ValueError:
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or certificate.not_valid_after_utc - now <= CA_RENEW_BEFORE:
        return None
    return certificate, key


def issue(hosts: Sequence[str], now: datetime.datetime, previous: Bundle | None = None) -> Bundle:
    """A serving certificate for `hosts` (DNS names or IP addresses), signed by the previous CA while it is good."""
    ca_cert, ca_key = _stored_ca(previous, now) or _new_ca(now)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + CERT_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_alternative_names(hosts)), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return Bundle(
        ca_cert.public_bytes(serialization.Encoding.PEM),
        _pem(ca_key),
        certificate.public_bytes(serialization.Encoding.PEM),
        _pem(key),
    )


def problem(bundle: Bundle, hosts: Sequence[str], now: datetime.datetime) -> str | None:
    """Why `bundle` cannot serve `hosts` now (for the log), or None when it can."""
    try:
        ca_cert = x509.load_pem_x509_certificate(bundle.ca_cert)
        certificate = x509.load_pem_x509_certificate(bundle.cert)
        key = serialization.load_pem_private_key(bundle.key, None)
    except ValueError:
        return "it does not hold a readable certificate, key and CA"
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        return "the key does not match the certificate"
    try:
        certificate.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return "the certificate is not signed by the CA"
    if certificate.not_valid_after_utc - now < RENEW_BEFORE or certificate.not_valid_before_utc > now:
        return f"the certificate is valid until {certificate.not_valid_after_utc:%Y-%m-%d}"
    try:
        covered = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "the certificate names no host"
    missing = [name for name in _alternative_names(hosts) if name not in covered]
    if missing:
        return f"the certificate does not name {', '.join(str(name.value) for name in missing)}"
    return None


def _decoded(data: Mapping[str, str | bytes] | None) -> dict[str, bytes]:
    return {key: base64.b64decode(value) for key, value in (data or {}).items()}


class CertificateKeeper:
    """Keeps the webhook's certificate in its Secret and its CA in the ValidatingWebhookConfiguration."""

    def __init__(
        self, api: client.ApiClient, secret: tuple[str, str], configuration: str, hosts: Sequence[str]
    ) -> None:
        self._core = client.CoreV1Api(api)
        self._admission = client.AdmissionregistrationV1Api(api)
        self._secret_namespace, self._secret_name = secret
        self._configuration = configuration
        self.hosts = list(hosts)

    @property
    def secret(self) -> str:
        return f"{self._secret_namespace}/{self._secret_name}"

    def ensure(self, now: datetime.datetime | None = None) -> Bundle:
        """The certificate to serve with; issues, stores and publishes one when needed. Blocking (kubernetes client).

        Raises WebhookTLSError.
        """
        now = now or datetime.datetime.now(datetime.UTC)
        configuration = self._webhook_configuration()
        metadata = configuration.metadata if configuration is not None else None
        annotations = (metadata.annotations or {}) if metadata is not None else {}
        if CERT_MANAGER_ANNOTATION in annotations:
            return self._from_cert_manager()
        for _ in range(3):
            stored = self._read_secret()
            data = _decoded(stored.data)
            bundle = Bundle(*(data.get(key, b"") for key in _KEYS))
            why = problem(bundle, self.hosts, now)
            if why is None:
                break
            logger.info("webhook certificate in Secret %s: %s; issuing a new one", self.secret, why)
            bundle = issue(self.hosts, now, bundle)
            if self._store(stored, bundle):
                break
        else:
            raise WebhookTLSError(f"Secret {self.secret} kept changing while the webhook certificate was written")
        if configuration is not None:
            self._publish_ca(configuration, bundle.ca_cert)
        return bundle

    def _webhook_configuration(self) -> client.V1ValidatingWebhookConfiguration | None:
        try:
            found: client.V1ValidatingWebhookConfiguration = self._admission.read_validating_webhook_configuration(
                self._configuration
            )
        except ApiException as error:
            if error.status == 404:
                logger.warning(
                    "ValidatingWebhookConfiguration %s does not exist: the API server does not call this webhook "
                    "(deploy/webhook.yaml registers it)",
                    self._configuration,
                )
                return None
            raise WebhookTLSError(
                f"cannot read ValidatingWebhookConfiguration {self._configuration}: {error.reason} "
                "(deploy/rbac/webhook.yaml grants it)"
            ) from None
        return found

    def _read_secret(self) -> client.V1Secret:
        try:
            secret: client.V1Secret = self._core.read_namespaced_secret(self._secret_name, self._secret_namespace)
        except ApiException as error:
            raise WebhookTLSError(
                f"cannot read Secret {self.secret} for the webhook certificate: {error.reason} "
                "(deploy/webhook.yaml creates it, deploy/rbac/webhook.yaml lets frr-edge write it)"
            ) from None
        return secret

    def _store(self, stored: client.V1Secret, bundle: Bundle) -> bool:
        """Write the bundle unless the Secret changed since it was read; False when it did (read it again)."""
        stored.data = {key: base64.b64encode(value).decode() for key, value in zip(_KEYS, _fields(bundle), strict=True)}
        try:
            self._core.replace_namespaced_secret(self._secret_name, self._secret_namespace, stored)
        except ApiException as error:
            if error.status == 409:
                return False
            raise WebhookTLSError(f"cannot write Secret {self.secret}: {error.reason}") from None
        return True

    def _publish_ca(self, configuration: client.V1ValidatingWebhookConfiguration, ca_cert: bytes) -> None:
        bundle = base64.b64encode(ca_cert).decode()
        patch = [
            {"op": "add", "path": f"/webhooks/{number}/clientConfig/caBundle", "value": bundle}
            for number, webhook in enumerate(configuration.webhooks or [])
            if webhook.client_config.ca_bundle != bundle
        ]
        if not patch:
            return
        try:
            self._admission.patch_validating_webhook_configuration(self._configuration, patch)
        except ApiException as error:
            raise WebhookTLSError(
                f"cannot set the caBundle of ValidatingWebhookConfiguration {self._configuration}: {error.reason}"
            ) from None
        logger.info(
            "caBundle of ValidatingWebhookConfiguration %s set to the CA in %s", self._configuration, self.secret
        )

    def _from_cert_manager(self) -> Bundle:
        data = _decoded(self._read_secret().data)
        if not data.get("tls.crt") or not data.get("tls.key"):
            raise WebhookTLSError(f"waiting for cert-manager to write tls.crt and tls.key into Secret {self.secret}")
        return Bundle(data.get("ca.crt", b""), b"", data["tls.crt"], data["tls.key"])


def _fields(bundle: Bundle) -> tuple[bytes, bytes, bytes, bytes]:
    return bundle.ca_cert, bundle.ca_key, bundle.cert, bundle.key
