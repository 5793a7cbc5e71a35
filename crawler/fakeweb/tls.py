"""A throwaway certificate authority that mints a certificate for any fake host on demand.

The proxy terminates TLS itself after ``CONNECT host:443``, so each host needs a certificate
naming it. Keys are EC P-256 (generated in microseconds, unlike RSA) and one leaf key is shared
by every host; certificates and ``ssl`` contexts are cached in memory for the life of the web.
Scrapy does not verify certificates by default; a client that does can trust :attr:`ca_pem`.
"""

from __future__ import annotations

import datetime
import os
import ssl
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "reftrail fake web"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class CertificateAuthority:
    """Issues server ``ssl.SSLContext`` objects, one per host name, signed by a runtime CA."""

    def __init__(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        self._not_before = now - datetime.timedelta(days=1)
        self._not_after = now + datetime.timedelta(days=30)
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name("reftrail fake web CA")
        self._ca_name = ca_name
        self._ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._ca_key, hashes.SHA256())
        )
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._leaf_key_pem = self._leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def ca_pem(self) -> str:
        """The CA certificate (PEM), for clients that want to verify the fake hosts."""
        return self._ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def certificate_pem(self, host: str) -> bytes:
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(self._ca_name)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._not_before)
            .not_valid_after(self._not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                critical=False,
            )
            .sign(self._ca_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM)

    def server_context(self, host: str) -> ssl.SSLContext:
        """The (cached) TLS server context presenting a certificate for ``host``."""
        with self._lock:
            context = self._contexts.get(host)
            if context is None:
                context = self._contexts[host] = self._make_context(host)
            return context

    def _make_context(self, host: str) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_alpn_protocols(["http/1.1"])
        chain = self.certificate_pem(host) + self.ca_pem.encode("ascii")
        # ssl can only load a certificate chain from a file: write it, load it, remove it.
        fd, path = tempfile.mkstemp(prefix="reftrail-fakeweb-", suffix=".pem")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(chain + self._leaf_key_pem)
            context.load_cert_chain(path)
        finally:
            os.unlink(path)
        return context
