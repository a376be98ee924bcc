"""A verifier with options: trusted issuers, and a fixed time."""

from __future__ import annotations

import json

from lommebok import (
    CheckKind,
    Issuer,
    KeyAlgorithm,
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


def test_only_trusted_issuers_pass(citizen: Wallet):
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    forger = Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
    verifier = Verifier.with_options(VerifierOptions(trusted_issuers=[municipality.did()]))

    genuine = municipality.issue(residence_credential(municipality.did(), citizen.did()))
    report = verifier.verify_credential(genuine)
    assert_valid(report)
    assert the_check(report, CheckKind.TRUSTED_ISSUER, "credential").passed

    # Well signed, by its own key, but not by an issuer the pharmacy trusts.
    untrusted = forger.issue(residence_credential(forger.did(), citizen.did()))
    assert_valid(Verifier().verify_credential(untrusted))
    report = verifier.verify_credential(untrusted)
    check = assert_fails_only(report, CheckKind.TRUSTED_ISSUER, "credential")
    assert forger.did() in check.reason

    # Inside a presentation too.
    citizen.store(untrusted)
    request = verifier.request(PHARMACY)
    presentation = citizen.present([untrusted], request)
    report = verifier.verify_presentation(presentation, request)
    assert_fails_only(report, CheckKind.TRUSTED_ISSUER, "credential[0]")


def test_without_trusted_issuers_there_is_no_trust_check(plain_issuer: Issuer):
    credential = plain_issuer.issue(residence_credential(plain_issuer.did(), "did:example:kari"))
    report = Verifier.with_options(VerifierOptions()).verify_credential(credential)
    assert_valid(report)
    assert CheckKind.TRUSTED_ISSUER not in [c.check for c in report.checks]


def test_an_empty_trust_list_trusts_nobody(plain_issuer: Issuer):
    credential = plain_issuer.issue(residence_credential(plain_issuer.did(), "did:example:kari"))
    report = Verifier.with_options(VerifierOptions(trusted_issuers=[])).verify_credential(
        credential
    )
    assert_fails_only(report, CheckKind.TRUSTED_ISSUER, "credential")


def test_validity_period_at_a_fixed_time(plain_issuer: Issuer):
    unsigned = residence_credential(
        plain_issuer.did(),
        "did:example:kari",
        validFrom="2026-01-01T00:00:00Z",
        validUntil="2027-01-01T00:00:00Z",
    )
    credential = plain_issuer.issue_at(unsigned, "2026-01-01T00:00:00Z")
    assert json.loads(credential)["proof"]["created"].startswith("2026-01-01T00:00:00")

    during = Verifier.with_options(VerifierOptions(at_time="2026-06-01T12:00:00Z"))
    assert_valid(during.verify_credential(credential))

    after = Verifier.with_options(VerifierOptions(at_time="2027-06-01T12:00:00Z"))
    assert_fails_only(after.verify_credential(credential), CheckKind.VALIDITY_PERIOD, "credential")

    before = Verifier.with_options(VerifierOptions(at_time="2025-06-01T12:00:00Z"))
    assert not before.verify_credential(credential).valid
