"""Certificates and keys for the lab cluster: one CA, serving and client certificates, the SA signing key."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# A lab lives for hours, not years; a year keeps a long-lived demo directory usable.
_VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key as PEM files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class ClusterPKI:
    """Every file the lab's etcd and kube-apiserver need, all under one directory."""

    ca: KeyPair
    etcd_server: KeyPair
    apiserver_etcd_client: KeyPair
    apiserver_serving: KeyPair
    admin: KeyPair
    service_account_key: Path
    service_account_public_key: Path

    @classmethod
    def at(cls, directory: Path) -> ClusterPKI:
        def pair(name: str) -> KeyPair:
            return KeyPair(directory / f"{name}.crt", directory / f"{name}.key")

        return cls(
            ca=pair("ca"),
            etcd_server=pair("etcd-server"),
            apiserver_etcd_client=pair("apiserver-etcd-client"),
            apiserver_serving=pair("apiserver"),
            admin=pair("admin"),
            service_account_key=directory / "service-account.key",
            service_account_public_key=directory / "service-account.pub",
        )


def ensure_pki(directory: Path) -> ClusterPKI:
    """Create the lab's CA, certificates and service-account key in `directory` unless already there.

    Existing files are kept, so a restarted cluster still accepts the tokens and kubeconfigs it issued.
    """
    pki = ClusterPKI.at(directory)
    if pki.service_account_public_key.exists():
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frr-edge-lab-ca")])
    now = datetime.datetime.now(datetime.UTC)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_pair(pki.ca, ca_key, ca_cert)

    loopback = ["localhost"], [ipaddress.ip_address("127.0.0.1")]
    apiserver_names = [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ]
    issue = _Issuer(ca_key, ca_cert, now)
    issue(pki.etcd_server, "etcd", [], *loopback, server=True)
    issue(pki.apiserver_etcd_client, "kube-apiserver-etcd-client", [], [], [], server=False)
    issue(
        pki.apiserver_serving,
        "kube-apiserver",
        [],
        apiserver_names,
        [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.96.0.1")],
        server=True,
    )
    # system:masters is the group RBAC always lets do everything: this is the lab's cluster-admin.
    issue(pki.admin, "frr-edge-lab-admin", ["system:masters"], [], [], server=False)

    signing_key = ec.generate_private_key(ec.SECP256R1())
    _write_private(pki.service_account_key, signing_key)
    pki.service_account_public_key.write_bytes(
        signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pki


@dataclass(frozen=True)
class _Issuer:
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate
    now: datetime.datetime

    def __call__(
        self,
        pair: KeyPair,
        common_name: str,
        organizations: list[str],
        dns_names: list[str],
        ip_addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
        *,
        server: bool,
    ) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
        subject.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(subject))
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - datetime.timedelta(minutes=5))
            .not_valid_after(self.now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
        alt_names += [x509.IPAddress(address) for address in ip_addresses]
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        _write_pair(pair, key, builder.sign(self.ca_key, hashes.SHA256()))


def _write_pair(pair: KeyPair, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
    _write_private(pair.key, key)
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
