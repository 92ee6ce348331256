"""The course's own certificate authority: who may speak to its Dask scheduler.

A Dask scheduler runs whatever a connected client sends it, on every worker.
So the course's cluster speaks TLS only, and both ends of every connection
show a certificate the course signed: the scheduler, each worker and the
grader (the client). :func:`create` makes the authority and one certificate
per role in a folder of the course (``grader config certificates``);
:func:`security` is what the grader connects with. A client without a
certificate of this course is refused by the scheduler, before it can send
anything. A certificate names its role (its common name; the client's may
only open connections): TLS checks only the authority, so the scheduler and
workers run :mod:`.dask_guard`, which lets each role do only its own part.
"""

import datetime
import os
from pathlib import Path

ROLES = ("scheduler", "worker", "client")
GUARD = "grader.workers.dask_guard"
_ORGANIZATION = "dnn_step_by_step grader"
_YEARS = 5


class Certificates:
    """The files of one course's authority in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)

    @property
    def authority(self):
        return self.folder / "ca.pem"

    def certificate(self, role):
        return self.folder / "{}.pem".format(role)

    def key(self, role):
        return self.folder / "{}-key.pem".format(role)

    def complete(self):
        return self.authority.is_file() and all(self.certificate(r).is_file() and self.key(r).is_file()
                                                for r in ROLES)


def create(folder, force=False):
    """Make the authority and a certificate for each role in ``folder`` (private to its owner); return it.

    An existing authority is kept unless ``force``: replacing it locks out
    every worker until it gets the new files.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    files = Certificates(folder)
    if files.complete() and not force:
        return files
    files.folder.mkdir(parents=True, exist_ok=True)
    os.chmod(files.folder, 0o700)
    now = datetime.datetime.now(datetime.timezone.utc)
    until = now + datetime.timedelta(days=365 * _YEARS)

    def name(common):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANIZATION),
                          x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def write_key(path, key):
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
        _write_private(path, data)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("course authority")).issuer_name(name("course authority"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    write_key(files.folder / "ca-key.pem", ca_key)
    _write_private(files.authority, ca.public_bytes(serialization.Encoding.PEM))
    for role in ROLES:  # the scheduler and workers accept and open connections, the client only opens them
        key = ec.generate_private_key(ec.SECP256R1())
        uses = [ExtendedKeyUsageOID.CLIENT_AUTH] + ([] if role == "client" else [ExtendedKeyUsageOID.SERVER_AUTH])
        certificate = (x509.CertificateBuilder().subject_name(name(role)).issuer_name(ca.subject)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now).not_valid_after(until)
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.ExtendedKeyUsage(uses), critical=False)
                       .sign(ca_key, hashes.SHA256()))
        write_key(files.key(role), key)
        _write_private(files.certificate(role), certificate.public_bytes(serialization.Encoding.PEM))
    return files


def security(folder):
    """The grader's credentials for a scheduler of this course (``distributed.Security``)."""
    from distributed.security import Security

    files = Certificates(folder)
    return Security(tls_ca_file=str(files.authority), tls_client_cert=str(files.certificate("client")),
                    tls_client_key=str(files.key("client")), require_encryption=True)


def role_of(peercert):
    """The role a verified peer certificate (``ssl.SSLSocket.getpeercert()``) was made for; None if none of ours."""
    fields = dict(pair for part in (peercert or {}).get("subject", ()) for pair in part)
    role = fields.get("commonName")
    return role if fields.get("organizationName") == _ORGANIZATION and role in ROLES else None


def role_options(folder, role, dashboard_port=None):
    """The ``dask scheduler`` / ``dask worker`` options for ``role``: its certificate, the guard, a private dashboard.

    The dashboard (and the rest of the HTTP side) listens on the loopback
    only, at ``dashboard_port`` (default: 8787 for the scheduler, any for a
    worker); a worker runs without a nanny (:mod:`.dask_guard` says why).
    """
    files = Certificates(folder)
    port = dashboard_port if dashboard_port is not None else (8787 if role == "scheduler" else 0)
    return (["--tls-ca-file", str(files.authority), "--tls-cert", str(files.certificate(role)),
             "--tls-key", str(files.key(role)), "--preload", GUARD, "--dashboard-address", "127.0.0.1:{}".format(port)]
            + (["--no-nanny"] if role == "worker" else []))


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
