"""Foreign signers: keys that stay outside lommebok (a platform keystore, an HSM), implemented in
Python with the `cryptography` package, signing for an issuer and a wallet; and what happens
when such a signer fails."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from lommebok import (
    CheckKind,
    Cryptosuite,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SoftwareKey,
    Verifier,
    Wallet,
)

from support import (
    P256_ORDER,
    PHARMACY,
    Ed25519KeystoreSigner,
    FailingSigner,
    KeyGoneSigner,
    P256KeystoreSigner,
    WrongKeySigner,
    assert_valid,
    base58btc_decode,
    residence_credential,
    the_check,
)


def proof_signature(document_json: str) -> bytes:
    """The signature bytes in a document's Data Integrity proof (`proofValue`, base58btc)."""
    proof_value = json.loads(document_json)["proof"]["proofValue"]
    assert proof_value.startswith("z")
    return base58btc_decode(proof_value[1:])


@pytest.mark.parametrize("raw", [False, True], ids=["der", "r||s"])
def test_p256_keystore_signer_issues_and_presents_and_the_rust_verifier_accepts(raw: bool):
    issuer_key = P256KeystoreSigner(raw=raw)
    holder_key = P256KeystoreSigner(raw=raw)
    issuer = Issuer.with_signer(issuer_key)
    wallet = Wallet.with_signer(holder_key)

    # The DIDs are the did:key of the Python keys (computed here without lommebok).
    assert issuer.did() == issuer_key.did()
    assert wallet.did() == holder_key.did()
    assert issuer.did().startswith("did:key:zDn")

    credential = issuer.issue(residence_credential(issuer.did(), wallet.did()))
    assert json.loads(credential)["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    # The Python signer was asked once, and its signature is the one in the proof (as
    # `r || s`, low S).
    [(message, _)] = issuer_key.signed
    signature = proof_signature(credential)
    assert len(signature) == 64
    assert int.from_bytes(signature[32:], "big") <= P256_ORDER // 2
    assert issuer_key.verifies(message, signature)

    wallet.store(credential)
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    presentation = wallet.present(wallet.credentials(), request)
    assert len(holder_key.signed) == 1
    assert holder_key.verifies(holder_key.signed[0][0], proof_signature(presentation))

    report = verifier.verify_presentation(presentation, request)
    assert_valid(report)
    assert issuer.did() in the_check(report, CheckKind.ISSUER_KEY, "credential[0]").reason
    assert wallet.did() in the_check(report, CheckKind.HOLDER_KEY, "presentation").reason


def test_p256_keystore_signer_with_the_jcs_suite():
    signer = P256KeystoreSigner()
    issuer = Issuer.with_signer(signer).with_cryptosuite(Cryptosuite.ECDSA_JCS2019)
    credential = issuer.issue(residence_credential(issuer.did(), "did:example:kari"))
    assert json.loads(credential)["proof"]["cryptosuite"] == "ecdsa-jcs-2019"
    assert len(signer.signed) == 1
    assert_valid(Verifier().verify_credential(credential))


def test_ed25519_signer_in_python_issues_what_the_rust_verifier_accepts():
    signer = Ed25519KeystoreSigner()
    issuer = Issuer.with_signer(signer)
    assert issuer.did() == signer.did()
    assert issuer.did().startswith("did:key:z6Mk")
    credential = issuer.issue(residence_credential(issuer.did(), "did:example:kari"))
    [(_, signature)] = signer.signed
    assert proof_signature(credential) == signature
    assert_valid(Verifier().verify_credential(credential))


def test_a_python_signer_and_a_software_key_sign_alike():
    """A software key and a Python signer over the same secret are the same issuer."""
    signer = Ed25519KeystoreSigner()
    seed = signer.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    software = Issuer(SoftwareKey.from_secret(KeyAlgorithm.ED25519, seed))
    foreign = Issuer.with_signer(signer)
    assert software.did() == foreign.did()
    unsigned = residence_credential(software.did(), "did:example:kari")
    created = "2026-01-01T00:00:00Z"
    # EdDSA is deterministic: the same credential, byte for byte.
    assert software.issue_at(unsigned, created) == foreign.issue_at(unsigned, created)


@pytest.mark.parametrize(
    "error",
    [RuntimeError("keystore locked"), LommebokError.Signing("the user cancelled")],
    ids=["any exception", "LommebokError.Signing"],
)
def test_a_signer_that_raises_makes_issue_and_present_raise_signing(error):
    issuer = Issuer.with_signer(FailingSigner(error))
    with pytest.raises(LommebokError.Signing) as raised:
        issuer.issue(residence_credential(issuer.did(), "did:example:kari"))
    expected = "keystore locked" if isinstance(error, RuntimeError) else "the user cancelled"
    assert expected in raised.value.reason

    wallet = Wallet.with_signer(FailingSigner(error))
    credential = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    credential = credential.issue(residence_credential(credential.did(), wallet.did()))
    wallet.store(credential)
    with pytest.raises(LommebokError.Signing) as raised:
        wallet.present(wallet.credentials(), Verifier().request(PHARMACY))
    assert expected in raised.value.reason
    # Failing to sign does not lose what the wallet holds.
    assert wallet.credentials() == [credential]


def test_a_signature_by_another_key_is_refused_at_signing_time():
    issuer = Issuer.with_signer(WrongKeySigner())
    with pytest.raises(LommebokError.Signing) as raised:
        issuer.issue(residence_credential(issuer.did(), "did:example:kari"))
    assert "does not verify" in raised.value.reason


def test_a_signer_whose_key_is_gone_cannot_make_an_issuer_or_wallet():
    with pytest.raises(LommebokError.Signing) as raised:
        Issuer.with_signer(KeyGoneSigner())
    assert "key permanently invalidated" in raised.value.reason
    with pytest.raises(LommebokError.Signing):
        Wallet.with_signer(KeyGoneSigner())


def test_a_signer_with_a_malformed_public_key_is_invalid_input():
    class Truncated(P256KeystoreSigner):
        def public_key(self) -> bytes:
            return super().public_key()[:40]

    with pytest.raises(LommebokError.InvalidInput):
        Issuer.with_signer(Truncated())


def test_a_signer_must_subclass_signer():
    class DuckTyped:
        def algorithm(self):
            return KeyAlgorithm.P256

    with pytest.raises(TypeError):
        Issuer.with_signer(DuckTyped())
