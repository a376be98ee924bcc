"""The demo story, as a Python app lives it: a municipality issues a residence credential to a
citizen's wallet, a pharmacy verifies a presentation of it, the municipality revokes it, and
the pharmacy, with the republished status list, rejects it."""

from __future__ import annotations

import gc
import json

from lommebok import (
    CheckKind,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SoftwareKey,
    StatusPurpose,
    StatusRegistry,
    Verifier,
    Wallet,
)

from support import (
    PHARMACY,
    REVOCATION_LIST,
    SUSPENSION_LIST,
    assert_fails_only,
    assert_valid,
    describe,
    residence_credential,
    the_check,
)

ONE_DAY = 24 * 3600


def present_to(verifier: Verifier, wallet: Wallet, credential: str):
    """One round at the pharmacy's counter: a fresh request, the wallet's answer, the report."""
    request = verifier.request(PHARMACY)
    presentation = wallet.present([credential], request)
    return verifier.verify_presentation(presentation, request)


def test_issue_present_verify_revoke_in_memory(
    municipality: Issuer, registry: StatusRegistry, citizen: Wallet, pharmacy: Verifier
):
    # The municipality issues a residence credential to the citizen's DID.
    credential = municipality.issue(residence_credential(municipality.did(), citizen.did()))
    doc = json.loads(credential)
    assert doc["issuer"] == municipality.did()
    assert doc["credentialSubject"]["id"] == citizen.did()
    assert doc["proof"]["type"] == "DataIntegrityProof"
    assert doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert doc["proof"]["verificationMethod"].startswith(municipality.did() + "#")
    credential_id = doc["id"]  # given by the issuer, since it has status lists
    entry = doc["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListCredential"] == REVOCATION_LIST

    # The registry knows the entry, not revoked.
    [status] = registry.status_of(credential_id)
    assert (status.list_url, status.purpose, status.value) == (
        REVOCATION_LIST,
        StatusPurpose.REVOCATION,
        0,
    )
    assert status.index == int(entry["statusListIndex"])

    # The citizen's wallet keeps it.
    citizen.store(credential)
    assert [json.loads(c)["id"] for c in citizen.credentials()] == [credential_id]

    # The pharmacy has fetched the published list, and asks for a presentation.
    pharmacy.add_status_list(
        REVOCATION_LIST, municipality.status_list_credential(REVOCATION_LIST, ONE_DAY)
    )
    request = pharmacy.request(PHARMACY)
    assert request.domain == PHARMACY
    assert len(request.challenge) >= 16
    presentation = citizen.present(citizen.credentials(), request)
    vp = json.loads(presentation)
    assert vp["holder"] == citizen.did()
    assert vp["proof"]["challenge"] == request.challenge
    assert vp["proof"]["domain"] == PHARMACY

    report = pharmacy.verify_presentation(presentation, request)
    assert_valid(report)
    assert the_check(report, CheckKind.STATUS, "credential[0]").reason == "not revoked"
    assert the_check(report, CheckKind.CHALLENGE, "presentation").passed
    domain = the_check(report, CheckKind.DOMAIN, "presentation")
    assert domain.passed and PHARMACY in domain.reason
    assert the_check(report, CheckKind.HOLDER_BINDING, "credential[0]").passed
    assert the_check(report, CheckKind.PROOF, "credential[0]").passed
    assert the_check(report, CheckKind.PROOF, "presentation").passed

    # The citizen moves away: the municipality revokes and republishes the list.
    municipality.revoke(credential_id)
    [status] = registry.status_of(credential_id)
    assert status.value == 1

    # With the old list the pharmacy cannot know yet.
    assert_valid(present_to(pharmacy, citizen, credential))

    # With the new list, a new presentation is rejected as revoked, and for nothing else.
    pharmacy.add_status_list(
        REVOCATION_LIST, municipality.status_list_credential(REVOCATION_LIST, ONE_DAY)
    )
    report = present_to(pharmacy, citizen, credential)
    revoked = assert_fails_only(report, CheckKind.STATUS, "credential[0]")
    assert revoked.reason == "revoked"

    # The credential alone says the same.
    report = pharmacy.verify_credential(credential)
    assert assert_fails_only(report, CheckKind.STATUS, "credential").reason == "revoked"


def test_revocation_survives_reopening_the_sqlite_registry(tmp_path, citizen: Wallet):
    database = str(tmp_path / "kommune-status.sqlite")
    # The municipality's key is kept (as it would be in a keychain) to come back as itself.
    key_document = SoftwareKey.generate(KeyAlgorithm.P256).to_multikey_json()

    registry = StatusRegistry.open_sqlite(database)
    registry.create_list(REVOCATION_LIST, StatusPurpose.REVOCATION)
    municipality = Issuer(SoftwareKey.from_multikey_json(key_document)).with_status(
        registry, [REVOCATION_LIST]
    )
    credential = municipality.issue(residence_credential(municipality.did(), citizen.did()))
    credential_id = json.loads(credential)["id"]
    index = int(json.loads(credential)["credentialStatus"]["statusListIndex"])
    assert json.loads(credential)["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    citizen.store(credential)

    pharmacy = Verifier()
    pharmacy.add_status_list(
        REVOCATION_LIST, municipality.status_list_credential(REVOCATION_LIST, ONE_DAY)
    )
    report = present_to(pharmacy, citizen, credential)
    assert_valid(report)
    assert the_check(report, CheckKind.STATUS, "credential[0]").reason == "not revoked"

    municipality.revoke(credential_id)

    # Drop everything of the municipality's: the process "restarts".
    municipality_did = municipality.did()
    del municipality, registry
    gc.collect()

    reopened = StatusRegistry.open_sqlite(database)
    [status] = reopened.status_of(credential_id)
    assert (status.list_url, status.purpose, status.index, status.value) == (
        REVOCATION_LIST,
        StatusPurpose.REVOCATION,
        index,
        1,
    ), "the revocation was not persisted"

    # The list is still there (creating it again is refused), and indices are not reused.
    try:
        reopened.create_list(REVOCATION_LIST, StatusPurpose.REVOCATION)
    except LommebokError.Status:
        pass
    else:
        raise AssertionError("creating an existing list again must fail")
    municipality = Issuer(SoftwareKey.from_multikey_json(key_document)).with_status(
        reopened, [REVOCATION_LIST]
    )
    assert municipality.did() == municipality_did
    second = municipality.issue(residence_credential(municipality.did(), citizen.did()))
    assert int(json.loads(second)["credentialStatus"]["statusListIndex"]) != index

    # The list published after the restart still says revoked, for the first credential only.
    pharmacy.add_status_list(
        REVOCATION_LIST, municipality.status_list_credential(REVOCATION_LIST, ONE_DAY)
    )
    report = present_to(pharmacy, citizen, credential)
    assert assert_fails_only(report, CheckKind.STATUS, "credential[0]").reason == "revoked"
    assert_valid(present_to(pharmacy, citizen, second))


def test_suspension_can_be_lifted(registry: StatusRegistry, citizen: Wallet, pharmacy: Verifier):
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(
        registry, [REVOCATION_LIST, SUSPENSION_LIST]
    )
    credential = issuer.issue(residence_credential(issuer.did(), citizen.did()))
    credential_id = json.loads(credential)["id"]
    purposes = {s.purpose: s.list_url for s in registry.status_of(credential_id)}
    assert purposes == {
        StatusPurpose.REVOCATION: REVOCATION_LIST,
        StatusPurpose.SUSPENSION: SUSPENSION_LIST,
    }

    def publish():
        for url in (REVOCATION_LIST, SUSPENSION_LIST):
            pharmacy.add_status_list(url, issuer.status_list_credential(url, ONE_DAY))

    issuer.suspend(credential_id)
    publish()
    report = pharmacy.verify_credential(credential)
    assert not report.valid, describe(report)
    status_checks = [c for c in report.checks if c.check == CheckKind.STATUS]
    assert any(not c.passed and "suspended" in c.reason for c in status_checks), describe(report)

    issuer.unsuspend(credential_id)
    publish()
    assert_valid(pharmacy.verify_credential(credential))
