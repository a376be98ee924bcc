"""Helpers shared by the tests: credentials as an app would write them, and reading reports."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
)
from lommebok import (
    Check,
    CheckKind,
    KeyAlgorithm,
    LommebokError,
    Signer,
    VerificationReport,
)

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]

REVOCATION_LIST = "https://kommune.example/status/revocation/1"
SUSPENSION_LIST = "https://kommune.example/status/suspension/1"
PHARMACY = "apotek.example"


def residence_credential(issuer_did: str, holder_did: str, **extra) -> str:
    """An unsigned residence credential for `holder_did`, as a municipality's app writes it."""
    credential = {
        "@context": CONTEXTS,
        "type": ["VerifiableCredential"],
        "issuer": issuer_did,
        "credentialSubject": {
            "id": holder_did,
            "name": "Kari Nordmann",
            "address": "Storgata 1, 0155 Oslo",
        },
    }
    credential.update(extra)
    return json.dumps(credential)


# --- reports ---------------------------------------------------------------------------------
# The generated records are dataclasses whose repr shows no fields (`Check()`), so failures
# print reports with `describe`.


def describe(report: VerificationReport) -> str:
    lines = [f"valid={report.valid}"]
    for c in report.checks:
        mark = "ok  " if c.passed else "FAIL"
        lines.append(f"  {mark} {c.target:<14} {c.check.name:<15} {c.reason}")
    return "\n".join(lines)


def the_check(report: VerificationReport, kind: CheckKind, target: str) -> Check:
    """The one check of `kind` on `target`; fails the test if there is none or several."""
    found = [c for c in report.checks if c.check == kind and c.target == target]
    assert len(found) == 1, f"expected one {kind.name} check on {target}:\n{describe(report)}"
    return found[0]


def failures(report: VerificationReport) -> list[tuple[str, CheckKind, str]]:
    return [(c.target, c.check, c.reason) for c in report.checks if not c.passed]


def assert_valid(report: VerificationReport) -> None:
    assert report.valid, describe(report)
    assert report.checks, "a valid report lists its checks"
    assert all(c.passed for c in report.checks), describe(report)


def assert_fails_only(report: VerificationReport, kind: CheckKind, target: str) -> Check:
    """The report is invalid because of the check of `kind` on `target`, and nothing else."""
    assert not report.valid, describe(report)
    check = the_check(report, kind, target)
    assert not check.passed, describe(report)
    assert [(t, k) for t, k, _ in failures(report)] == [(target, kind)], describe(report)
    return check


# --- did:key, computed here from raw key bytes, independently of lommebok ------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = bytes([0xED, 0x01])  # multicodec ed25519-pub, varint
_P256_PUB = bytes([0x80, 0x24])  # multicodec p256-pub (0x1200), varint


def base58btc_encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def base58btc_decode(text: str) -> bytes:
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key_of(public_key) -> str:
    """The did:key of a `cryptography` Ed25519 or P-256 public key."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return "did:key:z" + base58btc_encode(_ED25519_PUB + raw)
    compressed = public_key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return "did:key:z" + base58btc_encode(_P256_PUB + compressed)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- Signers written in Python, as an app keeps a key in a platform keystore ----------------

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class P256KeystoreSigner(Signer):
    """A P-256 key held by `cryptography`, answering as the JDK / Android Keystore does: SPKI DER
    public key, DER signatures over SHA-256 (or 64-byte `r || s` with `raw=True`)."""

    def __init__(self, raw: bool = False):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.raw = raw
        self.signed: list[tuple[bytes, bytes]] = []  # (message, signature) per sign() call

    def algorithm(self) -> KeyAlgorithm:
        return KeyAlgorithm.P256

    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, message: bytes) -> bytes:
        der = self.private_key.sign(message, ec.ECDSA(hashes.SHA256()))
        if self.raw:
            r, s = decode_dss_signature(der)
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            signature = der
        self.signed.append((message, signature))
        return signature

    def did(self) -> str:
        return did_key_of(self.private_key.public_key())

    def verifies(self, message: bytes, r_s: bytes) -> bool:
        """Whether the 64-byte `r || s` is this key's signature of `message`."""
        r, s = int.from_bytes(r_s[:32], "big"), int.from_bytes(r_s[32:], "big")
        try:
            self.private_key.public_key().verify(
                encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256())
            )
            return True
        except Exception:
            return False


class Ed25519KeystoreSigner(Signer):
    """An Ed25519 key held by `cryptography` (raw 32-byte public key, 64-byte signatures)."""

    def __init__(self):
        self.private_key = ed25519.Ed25519PrivateKey.generate()
        self.signed: list[tuple[bytes, bytes]] = []

    def algorithm(self) -> KeyAlgorithm:
        return KeyAlgorithm.ED25519

    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        signature = self.private_key.sign(message)
        self.signed.append((message, signature))
        return signature

    def did(self) -> str:
        return did_key_of(self.private_key.public_key())


class FailingSigner(P256KeystoreSigner):
    """A keystore that gives its public key but refuses to sign, raising `error`."""

    def __init__(self, error: BaseException):
        super().__init__()
        self.error = error

    def sign(self, message: bytes) -> bytes:
        raise self.error


class WrongKeySigner(P256KeystoreSigner):
    """A keystore whose entry was replaced: it signs with another key than it claims."""

    def __init__(self):
        super().__init__()
        self.other = ec.generate_private_key(ec.SECP256R1())

    def sign(self, message: bytes) -> bytes:
        return self.other.sign(message, ec.ECDSA(hashes.SHA256()))


class KeyGoneSigner(P256KeystoreSigner):
    """A keystore entry that was deleted: not even the public key can be had."""

    def public_key(self) -> bytes:
        raise LommebokError.Signing("key permanently invalidated")
