"""Acting for someone else, as the apps use it: the citizen signs a delegation to a helper
(their son, a carer) to present the citizen's residence credential to the pharmacy only; the
helper's wallet keeps the credential under it and presents both; the pharmacy's report says who
presented for whom. Each test checks what the verifier sees."""

from __future__ import annotations

import json
import uuid

import pytest
from lommebok import (
    CheckKind,
    DelegationScope,
    HolderWallet,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SoftwareKey,
    StatusRegistry,
    StoreKey,
    Verifier,
    Wallet,
    credential_id,
)

from support import (
    REVOCATION_LIST,
    Ed25519KeystoreSigner,
    P256KeystoreSigner,
    assert_valid,
    describe,
    residence_credential,
    the_check,
)

RESIDENCE_TYPE = "ExampleResidenceCredential"
RESIDENCE_IRI = "https://www.w3.org/ns/credentials/examples#ExampleResidenceCredential"
RESIDENCE_QUERY = json.dumps(
    {
        "credentials": [
            {
                "id": "residence",
                "format": "ldp_vc",
                "meta": {"type_values": [[RESIDENCE_IRI]]},
                "claims": [{"path": ["credentialSubject", "address"]}],
            }
        ]
    }
)
FOREVER = "2999-01-01T00:00:00Z"


def imported(result):
    if result.is_refused():
        report = describe(result.report) if result.report is not None else "no report"
        raise AssertionError(f"refused: {result.reason}\n{report}")
    return result.credential


def held_ids(wallet: HolderWallet) -> list[str]:
    listing = wallet.list()
    assert listing.damaged == [], listing.damaged
    return sorted(c.id for c in listing.credentials)


class People:
    """The citizen (whose phone key both holds her wallet and signs her delegations), the
    municipality, the helper's wallet, the pharmacy and a bank (each a verifier with a DID)."""

    def __init__(self, tmp_path, registry: StatusRegistry, citizen_key=None):
        self.citizen_key = citizen_key if citizen_key is not None else Ed25519KeystoreSigner()
        self.citizen_wallet = HolderWallet.open(
            str(tmp_path / "citizen.sqlite"),
            StoreKey.PASSPHRASE("citizen"),
            signer=self.citizen_key,
        )
        # The citizen signs delegations with the key her wallet holds: she is the principal.
        self.citizen = Issuer.with_signer(self.citizen_key).with_status(registry, [REVOCATION_LIST])
        assert self.citizen.did() == self.citizen_wallet.did() == self.citizen_key.did()
        self.municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
        self.residence = self.municipality.issue(
            residence_credential(
                self.municipality.did(),
                self.citizen.did(),
                type=["VerifiableCredential", RESIDENCE_TYPE],
                id=f"urn:uuid:{uuid.uuid4()}",
            )
        )
        self.residence_id = credential_id(self.residence)
        assert self.residence_id is not None
        self.helper_key = Ed25519KeystoreSigner()
        self.helper = HolderWallet.open(
            str(tmp_path / "helper.sqlite"), StoreKey.PASSPHRASE("helper"), signer=self.helper_key
        )
        self.pharmacy_did = SoftwareKey.generate(KeyAlgorithm.P256).did()
        self.pharmacy = Verifier()
        self.bank_did = SoftwareKey.generate(KeyAlgorithm.P256).did()
        self.bank = Verifier()

    def helper_import(self, credential: str):
        """The helper's app imports `credential`, checking it against the citizen's status
        list as published now."""
        verifier = Verifier()
        verifier.add_status_list(
            REVOCATION_LIST, self.citizen.status_list_credential(REVOCATION_LIST, 3600)
        )
        return self.helper.import_credential(credential, verifier)

    def delegate(self, **scope) -> str:
        scope.setdefault("credential_types", [RESIDENCE_TYPE])
        scope.setdefault("verifiers", [self.pharmacy_did])
        return self.citizen.issue_delegation(
            self.citizen.did(), self.helper.did(), DelegationScope(**scope), FOREVER
        )

    def present(self, verifier: Verifier, domain, name: str):
        """The helper answers `verifier`'s residence query; (what was sent, the report)."""
        answers = self.helper.answers(RESIDENCE_QUERY)
        assert answers.satisfiable
        [query] = answers.queries
        [candidate] = query.candidates
        assert candidate.credential.types == ["VerifiableCredential", RESIDENCE_TYPE]
        request = verifier.request(domain)
        made = self.helper.present(RESIDENCE_QUERY, answers.default_choices, request, name)
        [sent] = json.loads(made.vp_token)["residence"]
        # The verifier's app fetches the citizen's status list as published now.
        verifier.add_status_list(
            REVOCATION_LIST, self.citizen.status_list_credential(REVOCATION_LIST, 3600)
        )
        return sent, verifier.verify_presentation(json.dumps(sent), request)

    def target(self, sent: dict, vc_id: str) -> str:
        """The report's name for the credential `vc_id` in the presentation `sent`."""
        [index] = [i for i, c in enumerate(sent["verifiableCredential"]) if c.get("id") == vc_id]
        return f"credential[{index}]"


@pytest.fixture
def people(tmp_path, registry) -> People:
    return People(tmp_path, registry)


def on_behalf_of(people: People, sent: dict, report):
    check = the_check(report, CheckKind.HOLDER_BINDING, people.target(sent, people.residence_id))
    assert "on behalf of" in check.reason, describe(report)
    return check


def test_the_helper_presents_the_citizens_residence_to_the_pharmacy_under_a_delegation(people):
    # The citizen's own wallet keeps it; the helper's refuses it: it is not theirs.
    imported(people.citizen_wallet.import_credential(people.residence, Verifier()))
    refused = people.helper_import(people.residence)
    assert refused.is_refused()
    assert people.helper.did() in refused.reason, refused.reason
    assert held_ids(people.helper) == []

    delegation = people.delegate()
    document = json.loads(delegation)
    assert "DelegationCredential" in document["type"]
    assert document["issuer"] == people.citizen.did()
    subject = document["credentialSubject"]
    assert subject["id"] == people.helper.did()
    assert subject["onBehalfOf"] == people.citizen.did()
    assert subject["credentialTypes"] == [RESIDENCE_TYPE]
    assert subject["verifiers"] == [people.pharmacy_did]
    assert document["validUntil"].startswith("2999-01-01")
    delegation_id = credential_id(delegation)
    assert delegation_id == document["id"] and delegation_id.startswith("urn:uuid:")

    # The helper's wallet keeps the delegation, then the citizen's credential under it.
    assert imported(people.helper_import(delegation)).id
    held = imported(people.helper_import(people.residence))
    assert RESIDENCE_TYPE in held.types
    assert held.issuer == people.municipality.did()
    assert held.id in held_ids(people.helper) and len(held_ids(people.helper)) == 2

    # The pharmacy asks; the helper answers with the credential and the delegation.
    sent, report = people.present(people.pharmacy, people.pharmacy_did, "Apotek Nord")
    assert sent["holder"] == people.helper.did()
    presented = {c["id"]: c for c in sent["verifiableCredential"]}
    assert set(presented) == {people.residence_id, delegation_id}
    assert presented[people.residence_id]["credentialSubject"]["id"] == people.citizen.did()
    assert_valid(report)
    check = on_behalf_of(people, sent, report)
    assert check.passed
    assert people.helper.did() in check.reason and people.citizen.did() in check.reason
    assert delegation_id in check.reason, check.reason

    # The helper's log says it left for the pharmacy.
    [entry] = people.helper.activity().entries
    assert (entry.verifier, entry.domain, entry.credential_id) == (
        "Apotek Nord",
        people.pharmacy_did,
        held.id,
    )


def test_the_helper_cannot_present_to_a_verifier_the_delegation_does_not_name(people):
    people.delegation = people.delegate()
    imported(people.helper_import(people.delegation))
    imported(people.helper_import(people.residence))
    answers = people.helper.answers(RESIDENCE_QUERY)

    for domain in (people.bank_did, None, "bank.example"):
        request = people.bank.request(domain)
        with pytest.raises(LommebokError.InvalidInput) as raised:
            people.helper.present(RESIDENCE_QUERY, answers.default_choices, request, "Banken")
        assert "delegation" in raised.value.reason, raised.value.reason
    # Nothing was sent, nothing logged.
    assert people.helper.activity().entries == []

    # A helper's app that skips the wallet's check and signs the presentation itself (with
    # the same key) is refused by the bank: the delegation does not name it.
    rogue = Wallet.with_signer(people.helper_key)
    assert rogue.did() == people.helper.did()
    request = people.bank.request(people.bank_did)
    vp = rogue.present([people.residence, people.delegation], request)
    people.bank.add_status_list(
        REVOCATION_LIST, people.citizen.status_list_credential(REVOCATION_LIST, 3600)
    )
    report = people.bank.verify_presentation(vp, request)
    assert not report.valid, describe(report)
    binding = the_check(report, CheckKind.HOLDER_BINDING, "credential[0]")
    assert not binding.passed, describe(report)
    assert people.bank_did in binding.reason, describe(report)
    # The same, made for the pharmacy, passes: only the verifier differs.
    request = people.pharmacy.request(people.pharmacy_did)
    vp = rogue.present([people.residence, people.delegation], request)
    people.pharmacy.add_status_list(
        REVOCATION_LIST, people.citizen.status_list_credential(REVOCATION_LIST, 3600)
    )
    assert_valid(people.pharmacy.verify_presentation(vp, request))


def test_a_delegation_to_any_verifier_lets_the_bank_see_it_too(people):
    imported(people.helper_import(people.delegate(verifiers=[])))
    imported(people.helper_import(people.residence))
    sent, report = people.present(people.bank, people.bank_did, "Banken")
    assert_valid(report)
    assert on_behalf_of(people, sent, report).passed


def test_a_delegation_for_another_type_keeps_nothing(people):
    imported(
        people.helper_import(people.delegate(credential_types=["ExampleDegreeCredential"]))
    )
    refused = people.helper_import(people.residence)
    assert refused.is_refused(), "a delegation for degrees does not cover a residence credential"
    assert len(held_ids(people.helper)) == 1


def test_a_delegation_to_someone_else_keeps_nothing(people, tmp_path):
    stranger = HolderWallet.open(str(tmp_path / "stranger.sqlite"), StoreKey.PASSPHRASE("s"))
    delegation = people.citizen.issue_delegation(
        people.citizen.did(),
        stranger.did(),
        DelegationScope(credential_types=[RESIDENCE_TYPE]),
    )
    # The helper's wallet may hold it (it verifies), but it does not make the helper a delegate.
    people.helper_import(delegation)
    assert people.helper_import(people.residence).is_refused()


def test_a_revoked_delegation_fails_the_pharmacys_check(people):
    delegation = people.delegate()
    delegation_id = credential_id(delegation)
    assert "credentialStatus" in json.loads(delegation)
    imported(people.helper_import(delegation))
    imported(people.helper_import(people.residence))

    # With the citizen's current status list, the pharmacy accepts.
    sent, report = people.present(people.pharmacy, people.pharmacy_did, "Apotek Nord")
    assert_valid(report)
    assert on_behalf_of(people, sent, report).passed

    # The citizen revokes it and publishes; the pharmacy fetches the new list.
    people.citizen.revoke(delegation_id)
    sent, report = people.present(people.pharmacy, people.pharmacy_did, "Apotek Nord")
    assert not report.valid, describe(report)
    failed = [(c.target, c.check) for c in report.checks if not c.passed]
    assert (people.target(sent, delegation_id), CheckKind.STATUS) in failed, describe(report)
    binding = the_check(report, CheckKind.HOLDER_BINDING, people.target(sent, people.residence_id))
    assert not binding.passed, describe(report)
    assert "on behalf of" not in binding.reason, describe(report)
    # Nothing else failed: the residence credential itself is fine, only who presents it.
    assert len(failed) == 2 and set(failed) == {
        (people.target(sent, delegation_id), CheckKind.STATUS),
        (people.target(sent, people.residence_id), CheckKind.HOLDER_BINDING),
    }, describe(report)


def test_a_delegation_the_principal_did_not_sign_is_not_accepted(people):
    # The helper signs a "delegation" to himself naming the citizen as principal.
    forged = Issuer.with_signer(people.helper_key).issue_delegation(
        people.citizen.did(),
        people.helper.did(),
        DelegationScope(credential_types=[RESIDENCE_TYPE]),
    )
    assert json.loads(forged)["issuer"] == people.helper.did()
    # The pharmacy refuses it as the citizen's, however it is presented.
    request = people.pharmacy.request(people.pharmacy_did)
    vp = Wallet.with_signer(people.helper_key).present([people.residence, forged], request)
    report = people.pharmacy.verify_presentation(vp, request)
    assert not report.valid, describe(report)
    binding = the_check(report, CheckKind.HOLDER_BINDING, "credential[0]")
    assert not binding.passed and "on behalf of" not in binding.reason, describe(report)


def test_the_helpers_wallet_does_not_keep_a_credential_under_a_delegation_it_signed_itself(
    people,
):
    forged = Issuer.with_signer(people.helper_key).issue_delegation(
        people.citizen.did(),
        people.helper.did(),
        DelegationScope(credential_types=[RESIDENCE_TYPE]),
    )
    people.helper_import(forged)
    assert people.helper_import(people.residence).is_refused()


# --- garbage ---------------------------------------------------------------------------------


BAD_DIDS = ["", "kari", "did:", "did:key:", "did:key:zNOTBASE58!!", "did:" + "x" * 100_000, "\x00"]


@pytest.mark.parametrize("bad", BAD_DIDS, ids=lambda d: repr(d[:12]) + f"[{len(d)}]")
def test_a_delegation_with_a_bad_did_is_invalid_input(people, bad):
    scope = DelegationScope(credential_types=[RESIDENCE_TYPE])
    with pytest.raises(LommebokError.InvalidInput, match="principal"):
        people.citizen.issue_delegation(bad, people.helper.did(), scope)
    with pytest.raises(LommebokError.InvalidInput, match="delegate"):
        people.citizen.issue_delegation(people.citizen.did(), bad, scope)
    with pytest.raises(LommebokError.InvalidInput, match="verifier"):
        people.citizen.issue_delegation(
            people.citizen.did(),
            people.helper.did(),
            DelegationScope(credential_types=[RESIDENCE_TYPE], verifiers=[people.pharmacy_did, bad]),
        )


@pytest.mark.parametrize(
    "valid_until", ["", "tomorrow", "2000-01-01T00:00:00Z", "2999-13-01T00:00:00Z", "9" * 10_000]
)
def test_a_delegation_with_a_bad_end_is_invalid_input(people, valid_until):
    with pytest.raises(LommebokError.InvalidInput):
        people.citizen.issue_delegation(
            people.citizen.did(),
            people.helper.did(),
            DelegationScope(credential_types=[RESIDENCE_TYPE]),
            valid_until,
        )


def test_a_delegation_without_types_is_invalid_input(people):
    with pytest.raises(LommebokError.InvalidInput, match="credential type"):
        people.citizen.issue_delegation(
            people.citizen.did(), people.helper.did(), DelegationScope(credential_types=[])
        )


def test_a_p256_citizen_key_signs_delegations_too(tmp_path, registry):
    people = People(tmp_path, registry, citizen_key=P256KeystoreSigner())
    imported(people.helper_import(people.delegate()))
    imported(people.helper_import(people.residence))
    sent, report = people.present(people.pharmacy, people.pharmacy_did, "Apotek Nord")
    assert_valid(report)
    assert on_behalf_of(people, sent, report).passed
