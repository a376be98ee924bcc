"""Bad input raises `LommebokError.InvalidInput` (or `.Status`); a presentation or credential
that is read but does not hold up is a report with the failing check, not an exception."""

from __future__ import annotations

import json

import pytest
from lommebok import (
    CheckKind,
    Cryptosuite,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    PresentationRequest,
    SoftwareKey,
    Verifier,
    VerifierOptions,
    Wallet,
)

from support import (
    PHARMACY,
    assert_fails_only,
    assert_valid,
    residence_credential,
    the_check,
)

GARBAGE = [
    "",
    "{not json",
    "null",
    "[]",
    '{"hello": "world"}',
    "\x00\xff",
    "💳" * 1000,
]


@pytest.fixture
def credential(plain_issuer: Issuer, citizen: Wallet) -> str:
    return plain_issuer.issue(residence_credential(plain_issuer.did(), citizen.did()))


# --- exceptions for input that cannot be used --------------------------------------------------


def test_malformed_json_to_verify_credential():
    with pytest.raises(LommebokError.InvalidInput) as raised:
        Verifier().verify_credential("{not json")
    assert "JSON" in raised.value.reason


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_to_verify_is_invalid_input(garbage: str):
    verifier = Verifier()
    with pytest.raises(LommebokError.InvalidInput):
        verifier.verify_credential(garbage)
    with pytest.raises(LommebokError.InvalidInput):
        verifier.verify_presentation(garbage, verifier.request(PHARMACY))


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_to_wallet_store_is_invalid_input(citizen: Wallet, garbage: str):
    with pytest.raises(LommebokError.InvalidInput):
        citizen.store(garbage)
    assert citizen.credentials() == []


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_to_issuer_issue_is_invalid_input(plain_issuer: Issuer, garbage: str):
    with pytest.raises(LommebokError.InvalidInput):
        plain_issuer.issue(garbage)


@pytest.mark.parametrize("garbage", GARBAGE + ['{"type": "Multikey"}'])
def test_garbage_to_from_multikey_json_is_invalid_input(garbage: str):
    with pytest.raises(LommebokError.InvalidInput):
        SoftwareKey.from_multikey_json(garbage)


def test_a_multikey_document_without_its_secret_is_invalid_input():
    document = json.loads(SoftwareKey.generate(KeyAlgorithm.ED25519).to_multikey_json())
    del document["secretKeyMultibase"]
    with pytest.raises(LommebokError.InvalidInput) as raised:
        SoftwareKey.from_multikey_json(json.dumps(document))
    assert "secretKeyMultibase" in raised.value.reason


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ED25519, KeyAlgorithm.P256])
@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_a_secret_of_the_wrong_length_is_invalid_input(algorithm: KeyAlgorithm, length: int):
    with pytest.raises(LommebokError.InvalidInput):
        SoftwareKey.from_secret(algorithm, bytes(range(length)))


def test_a_p256_secret_of_zero_is_invalid_input():
    with pytest.raises(LommebokError.InvalidInput):
        SoftwareKey.from_secret(KeyAlgorithm.P256, bytes(32))


def test_a_credential_naming_another_issuer_is_invalid_input(plain_issuer: Issuer, citizen: Wallet):
    with pytest.raises(LommebokError.InvalidInput) as raised:
        plain_issuer.issue(residence_credential("did:example:someone-else", citizen.did()))
    assert "did:example:someone-else" in raised.value.reason


def test_a_credential_about_someone_else_is_not_stored(credential: str):
    stranger = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    with pytest.raises(LommebokError.InvalidInput):
        stranger.store(credential)
    assert stranger.credentials() == []


def test_a_bad_date_is_invalid_input(plain_issuer: Issuer):
    unsigned = residence_credential(plain_issuer.did(), "did:example:kari")
    with pytest.raises(LommebokError.InvalidInput):
        plain_issuer.issue_at(unsigned, "yesterday")
    with pytest.raises(LommebokError.InvalidInput):
        Verifier.with_options(VerifierOptions(at_time="2026-01-01"))  # no time zone


def test_a_cryptosuite_that_does_not_fit_the_key_is_invalid_input(plain_issuer: Issuer):
    with pytest.raises(LommebokError.InvalidInput):
        plain_issuer.with_cryptosuite(Cryptosuite.ECDSA_RDFC2019)


def test_durations_over_a_day_are_invalid_input():
    with pytest.raises(LommebokError.InvalidInput):
        Verifier.with_options(VerifierOptions(clock_skew_seconds=86_401))
    with pytest.raises(LommebokError.InvalidInput):
        Verifier.with_options(VerifierOptions(challenge_ttl_seconds=86_401))


def test_revoking_without_a_status_registry_is_a_status_error(plain_issuer: Issuer, credential):
    with pytest.raises(LommebokError.Status):
        plain_issuer.revoke(json.loads(credential).get("id", "urn:uuid:0"))


def test_revoking_an_unknown_credential_is_a_status_error(municipality: Issuer):
    with pytest.raises(LommebokError.Status):
        municipality.revoke("urn:uuid:00000000-0000-0000-0000-000000000000")


def test_every_error_is_a_lommebok_error():
    with pytest.raises(LommebokError):
        Verifier().verify_credential("{not json")


# --- reports for documents that are read and found wanting -------------------------------------


def test_a_replayed_presentation_fails_the_challenge(credential: str, citizen: Wallet):
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    presentation = citizen.present([credential], request)

    first = verifier.verify_presentation(presentation, request)
    assert_valid(first)
    replayed = verifier.verify_presentation(presentation, request)
    assert_fails_only(replayed, CheckKind.CHALLENGE, "presentation")


def test_a_presentation_for_another_verifier_fails_the_challenge(credential, citizen: Wallet):
    pharmacy, other = Verifier(), Verifier()
    request = other.request(PHARMACY)
    presentation = citizen.present([credential], request)
    report = pharmacy.verify_presentation(presentation, request)
    assert_fails_only(report, CheckKind.CHALLENGE, "presentation")


def test_a_presentation_for_another_domain_fails_the_domain(credential: str, citizen: Wallet):
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    # A presentation made for another site, replayed with this verifier's challenge.
    elsewhere = PresentationRequest(challenge=request.challenge, domain="bank.example")
    presentation = citizen.present([credential], elsewhere)
    report = verifier.verify_presentation(presentation, request)
    assert_fails_only(report, CheckKind.DOMAIN, "presentation")
    assert the_check(report, CheckKind.CHALLENGE, "presentation").passed


def test_a_presentation_naming_no_domain_fails_a_request_with_one(credential, citizen: Wallet):
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    presentation = citizen.present([credential], PresentationRequest(challenge=request.challenge))
    report = verifier.verify_presentation(presentation, request)
    assert_fails_only(report, CheckKind.DOMAIN, "presentation")


def test_a_request_without_a_domain_needs_none(credential: str, citizen: Wallet):
    verifier = Verifier()
    request = verifier.request(None)  # the argument has no default: `request()` is a TypeError
    assert request.domain is None
    presentation = citizen.present([credential], request)
    assert "domain" not in json.loads(presentation)["proof"]
    report = verifier.verify_presentation(presentation, request)
    assert_valid(report)
    assert CheckKind.DOMAIN not in [c.check for c in report.checks]


def test_a_credential_tampered_after_issuance_fails_the_proof(credential: str, citizen: Wallet):
    doc = json.loads(credential)
    doc["credentialSubject"]["address"] = "Slottsplassen 1, 0010 Oslo"
    tampered = json.dumps(doc)

    report = Verifier().verify_credential(tampered)
    assert_fails_only(report, CheckKind.PROOF, "credential")
    assert_valid(Verifier().verify_credential(credential))

    # Presented, the tampered credential fails inside an otherwise good presentation.
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    report = verifier.verify_presentation(citizen.present([tampered], request), request)
    assert_fails_only(report, CheckKind.PROOF, "credential[0]")


def test_a_presentation_tampered_after_signing_fails_its_proof(credential: str, citizen: Wallet):
    verifier = Verifier()
    request = verifier.request(PHARMACY)
    doc = json.loads(citizen.present([credential], request))
    doc["type"] = ["VerifiablePresentation"]
    doc["verifiableCredential"] = doc["verifiableCredential"] * 2
    report = verifier.verify_presentation(json.dumps(doc), request)
    assert not report.valid
    assert not the_check(report, CheckKind.PROOF, "presentation").passed
