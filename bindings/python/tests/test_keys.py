"""Software keys: both algorithms, their did:key, and the ways to keep and restore them."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lommebok import (
    Cryptosuite,
    Issuer,
    KeyAlgorithm,
    SoftwareKey,
    Verifier,
    Wallet,
)

from support import (
    PHARMACY,
    assert_valid,
    b64url,
    did_key_of,
    residence_credential,
)

PREFIXES = {KeyAlgorithm.ED25519: "z6Mk", KeyAlgorithm.P256: "zDn"}
ALGORITHMS = list(PREFIXES)

# Test secrets (never use fixed secrets for real keys).
SEED = bytes(range(1, 33))


def cryptography_public_key(algorithm: KeyAlgorithm, secret: bytes):
    """The public key of `secret`, computed by `cryptography`, not by lommebok."""
    if algorithm == KeyAlgorithm.ED25519:
        return ed25519.Ed25519PrivateKey.from_private_bytes(secret).public_key()
    return ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1()).public_key()


@pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda a: a.name)
def test_generated_keys_have_their_algorithm_and_did_key(algorithm: KeyAlgorithm):
    key = SoftwareKey.generate(algorithm)
    assert key.algorithm() == algorithm
    multibase = key.public_key_multibase()
    assert multibase.startswith(PREFIXES[algorithm])
    assert key.did() == "did:key:" + multibase
    assert key.did().startswith("did:key:" + PREFIXES[algorithm])
    # Fresh keys are random.
    assert SoftwareKey.generate(algorithm).did() != key.did()


@pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda a: a.name)
def test_a_key_from_its_secret_is_the_key_cryptography_derives(algorithm: KeyAlgorithm):
    key = SoftwareKey.from_secret(algorithm, SEED)
    assert key.algorithm() == algorithm
    assert key.did() == did_key_of(cryptography_public_key(algorithm, SEED))
    assert SoftwareKey.from_secret(algorithm, SEED).did() == key.did()


@pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda a: a.name)
def test_multikey_round_trip(algorithm: KeyAlgorithm):
    key = SoftwareKey.generate(algorithm)
    document = key.to_multikey_json()
    parsed = json.loads(document)
    assert parsed["type"] == "Multikey"
    assert parsed["publicKeyMultibase"] == key.public_key_multibase()
    assert parsed["secretKeyMultibase"].startswith("z")

    restored = SoftwareKey.from_multikey_json(document)
    assert restored.algorithm() == algorithm
    assert restored.did() == key.did()
    assert json.loads(restored.to_multikey_json()) == parsed

    # The restored key is the same issuer: a credential it signs verifies as the original's.
    issuer = Issuer(restored)
    credential = issuer.issue(residence_credential(key.did(), "did:example:kari"))
    assert json.loads(credential)["issuer"] == key.did()
    assert_valid(Verifier().verify_credential(credential))


@pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda a: a.name)
def test_a_key_from_a_private_jwk(algorithm: KeyAlgorithm):
    public = cryptography_public_key(algorithm, SEED)
    if algorithm == KeyAlgorithm.ED25519:
        jwk = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw)),
            "d": b64url(SEED),
        }
    else:
        numbers = public.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
            "d": b64url(SEED),
        }
    key = SoftwareKey.from_private_jwk(json.dumps(jwk))
    assert key.did() == did_key_of(public)
    assert key.did() == SoftwareKey.from_secret(algorithm, SEED).did()


@pytest.mark.parametrize(
    "algorithm, suite, name",
    [
        (KeyAlgorithm.ED25519, None, "eddsa-rdfc-2022"),
        (KeyAlgorithm.ED25519, Cryptosuite.EDDSA_RDFC2022, "eddsa-rdfc-2022"),
        (KeyAlgorithm.ED25519, Cryptosuite.EDDSA_JCS2022, "eddsa-jcs-2022"),
        (KeyAlgorithm.P256, None, "ecdsa-rdfc-2019"),
        (KeyAlgorithm.P256, Cryptosuite.ECDSA_RDFC2019, "ecdsa-rdfc-2019"),
        (KeyAlgorithm.P256, Cryptosuite.ECDSA_JCS2019, "ecdsa-jcs-2019"),
    ],
)
def test_every_cryptosuite_issues_and_presents(algorithm, suite, name):
    issuer = Issuer(SoftwareKey.generate(algorithm))
    if suite is not None:
        issuer = issuer.with_cryptosuite(suite)
    # The holder uses the other algorithm: both mixes verify.
    other = KeyAlgorithm.P256 if algorithm == KeyAlgorithm.ED25519 else KeyAlgorithm.ED25519
    wallet = Wallet(SoftwareKey.generate(other))
    credential = issuer.issue(residence_credential(issuer.did(), wallet.did()))
    assert json.loads(credential)["proof"]["cryptosuite"] == name
    assert_valid(Verifier().verify_credential(credential))

    wallet.store(credential)
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    presentation = wallet.present(wallet.credentials(), request)
    assert_valid(verifier.verify_presentation(presentation, request))


def test_issuers_never_change():
    """`with_cryptosuite` returns a new issuer; the original keeps its suite."""
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    jcs = issuer.with_cryptosuite(Cryptosuite.EDDSA_JCS2022)
    unsigned = residence_credential(issuer.did(), "did:example:kari")
    assert json.loads(issuer.issue(unsigned))["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert json.loads(jcs.issue(unsigned))["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert jcs.did() == issuer.did()
