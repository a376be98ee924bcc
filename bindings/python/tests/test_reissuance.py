"""Re-issuance after a recovery, as the apps use it: the citizen's wallet holds its key in the
phone's keystore (a Python `Signer`), so the key is lost with the phone. The guardians bring the
wallet back onto a new phone with a new platform key; the old credential names the lost key, so
the wallet will not present it. Two guardians confirm, the wallet asks the municipality, and the
municipality re-issues the credential to the new key and revokes the old one. Each test checks
what the other side sees: the municipality's answer, the published status list, the pharmacy's
report."""

from __future__ import annotations

import json
import uuid

import pytest
from lommebok import (
    CheckKind,
    Choice,
    DelegationScope,
    DeviceKey,
    DeviceRecovery,
    Guardian,
    GuardianWallet,
    HolderWallet,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SdJwtIssuer,
    SdJwtOptions,
    SoftwareKey,
    StatusPurpose,
    StatusRegistry,
    StoreKey,
    Verifier,
    credential_id,
)

from support import (
    REVOCATION_LIST,
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
GUARDIAN_NAMES = ["Ola", "Nils", "Ingrid"]


# --- helpers ---------------------------------------------------------------------------------


def raw_key(seed: int) -> StoreKey:
    return StoreKey.KEY(bytes([seed]) * 32)


def imported(result):
    if result.is_refused():
        report = describe(result.report) if result.report is not None else "no report"
        raise AssertionError(f"refused: {result.reason}\n{report}")
    return result.credential


def held_ids(wallet: HolderWallet) -> list[str]:
    listing = wallet.list()
    assert listing.damaged == [], listing.damaged
    return sorted(c.id for c in listing.credentials)


def invalid(call, *args, match: str | None = None, **kwargs) -> str:
    """`call(*args, **kwargs)` must raise InvalidInput (whose reason contains `match`); returns
    the reason."""
    with pytest.raises(LommebokError.InvalidInput) as raised:
        call(*args, **kwargs)
    reason = raised.value.reason
    assert isinstance(reason, str) and reason, raised.value
    if match is not None:
        assert match in reason, reason
    return reason


def status_reasons(report) -> list[str]:
    return [c.reason for c in report.checks if c.check == CheckKind.STATUS and not c.passed]


class Story:
    """The municipality (with a revocation list), the citizen's wallet on a platform key holding
    its residence credential, protected 2 of 3 by guardians who each have a guardian store and
    their own wallet; then the phone is lost and the wallet restored on a new phone with a new
    platform key by two guardians' releases."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.registry = StatusRegistry.in_memory()
        self.registry.create_list(REVOCATION_LIST, StatusPurpose.REVOCATION)
        self.municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(
            self.registry, [REVOCATION_LIST]
        )

        self.old_key = P256KeystoreSigner()
        citizen = HolderWallet.open(self.path("old-phone"), raw_key(1), signer=self.old_key)
        self.old_did = citizen.did()
        assert self.old_did == self.old_key.did()
        self.credential = self.municipality.issue(
            residence_credential(
                self.municipality.did(),
                self.old_did,
                type=["VerifiableCredential", RESIDENCE_TYPE],
            )
        )
        self.credential_id = credential_id(self.credential)
        assert self.credential_id and "credentialStatus" in json.loads(self.credential)
        # The wallet's own id for what it holds (the credential's id is the issuer's).
        self.held_id = imported(citizen.import_credential(self.credential, self.verifier())).id
        assert held_ids(citizen) == [self.held_id]

        self.guardians = [
            GuardianWallet.open(self.path(f"guardian-{name}"), raw_key(10 + i))
            for i, name in enumerate(GUARDIAN_NAMES)
        ]
        self.guardian_wallets = [
            HolderWallet.open(self.path(f"wallet-{name}"), raw_key(20 + i))
            for i, name in enumerate(GUARDIAN_NAMES)
        ]
        self.guardian_dids = [w.did() for w in self.guardian_wallets]
        protection = citizen.protect(
            2, [Guardian(name=n, key=g.public_key()) for n, g in zip(GUARDIAN_NAMES, self.guardians)]
        )
        for guardian, share in zip(self.guardians, protection.shares):
            guardian.keep(share.sealed)
        self.backup = protection.backup
        del citizen  # the phone is lost, and its keystore key with it

        # The new phone: a new keystore key, which also signs the recovery request.
        self.new_key = P256KeystoreSigner()
        self.device = DeviceRecovery(self.backup, DeviceKey.PLATFORM(self.new_key))
        assert self.device.wallet() == self.old_did
        for i in (0, 1):
            pending = self.guardians[i].check_request(self.device.request())
            assert pending.wallet == self.old_did
            release = self.guardians[i].release(self.device.request(), self.device.short_code())
            assert self.device.add_release(GUARDIAN_NAMES[i], release) == i + 1
        assert self.device.shares() == 2
        self.wallet: HolderWallet | None = None

    def path(self, name: str) -> str:
        return str(self.tmp_path / f"{name}.sqlite")

    def published(self) -> str:
        """The municipality's revocation list as it publishes it now."""
        return self.municipality.status_list_credential(REVOCATION_LIST, 3600)

    def verifier(self, status_list: str | None = None) -> Verifier:
        """A verifier that fetched the municipality's revocation list (now, unless given)."""
        verifier = Verifier()
        verifier.add_status_list(
            REVOCATION_LIST, status_list if status_list is not None else self.published()
        )
        return verifier

    def restore(self) -> HolderWallet:
        restored = self.device.restore_with_platform_key(
            self.path("new-phone"), raw_key(2), self.new_key
        )
        self.wallet = restored.wallet
        return self.wallet

    def confirm(self, *which: int, holder: str | None = None, previous: str | None = None):
        """The guardians `which` (indexes), having called the citizen, confirm from their own
        wallets that the new phone's DID is hers."""
        return [
            self.guardian_wallets[i].confirm_recovery(
                previous or self.old_did, holder or self.wallet.did()
            )
            for i in which
        ]

    def request(self, *which: int) -> str:
        return self.wallet.reissuance_request(self.held_id, self.confirm(*which))

    def reissue(self, request: str, issuer: Issuer | None = None):
        issuer = issuer if issuer is not None else self.municipality
        return issuer.reissue(request, 2, self.verifier(), self.guardian_dids)

    def old_is_in_force(self) -> None:
        """A verifier that fetched the list now sees the old credential valid: not revoked."""
        assert_valid(self.verifier().verify_credential(self.credential))


@pytest.fixture
def story(tmp_path) -> Story:
    return Story(tmp_path)


def present_to_pharmacy(wallet: HolderWallet, held_id: str, pharmacy: Verifier, domain: str):
    request = pharmacy.request(domain)
    made = wallet.present(
        RESIDENCE_QUERY, [Choice(query_id="residence", held_id=held_id)], request, "Apotek Nord"
    )
    [sent] = json.loads(made.vp_token)["residence"]
    return sent, pharmacy.verify_presentation(json.dumps(sent), request)


# --- 1. the whole flow -----------------------------------------------------------------------


def test_a_lost_platform_key_credential_is_reissued_to_the_new_phone_and_the_old_one_revoked(
    story,
):
    # Restoring without the new phone's key is refused, and does not spend the recovery.
    reason = invalid(
        story.device.restore, story.path("without-key"), raw_key(3), match="restore_with_platform_key"
    )
    assert "platform key" in reason, reason
    assert story.device.shares() == 2
    assert story.device.request() != "" and story.device.short_code() != ""

    wallet = story.restore()
    # The wallet now holds the new keystore key; it remembers the lost one.
    assert wallet.did() == story.new_key.did()
    assert wallet.did() != story.old_did
    assert wallet.previous_holders() == [story.old_did]
    assert held_ids(wallet) == [story.held_id]
    assert story.device.request() == ""  # the recovery is spent

    # The old credential came back, but names the lost key: the wallet will not present it.
    pharmacy = Verifier()
    pharmacy_domain = "apotek.example"
    reason = invalid(
        wallet.present,
        RESIDENCE_QUERY,
        [Choice(query_id="residence", held_id=story.held_id)],
        pharmacy.request(pharmacy_domain),
        "Apotek Nord",
        match="re-issued",
    )
    assert story.held_id in reason, reason
    assert wallet.activity().entries == []

    # Ola and Ingrid call the citizen, then confirm from their own wallets.
    confirmations = story.confirm(0, 2)
    assert len(set(confirmations)) == 2 and all(confirmations)
    signed_before = len(story.new_key.signed)
    request = wallet.reissuance_request(story.held_id, confirmations)
    assert len(story.new_key.signed) > signed_before, "the new platform key signs the request"

    # The municipality re-issues, checking the old credential against its own status list.
    published_before = story.published()
    reissued = story.reissue(request)
    assert reissued.revoked == story.credential_id
    assert sorted(reissued.confirmed_by) == sorted(
        [story.guardian_dids[0], story.guardian_dids[2]]
    )
    new = json.loads(reissued.credential)
    old = json.loads(story.credential)
    assert new["issuer"] == story.municipality.did()
    assert new["credentialSubject"]["id"] == wallet.did()
    assert new["id"] != story.credential_id and new["id"] == credential_id(reissued.credential)
    for claim in ("name", "address"):
        assert new["credentialSubject"][claim] == old["credentialSubject"][claim]
    assert new["type"] == old["type"]
    assert new["credentialStatus"] != old["credentialStatus"]

    # The same request again is refused: the old credential is revoked now.
    invalid(story.reissue, request)

    # A verifier still holding the list fetched before does not know yet; once the
    # municipality republishes, the old credential is revoked for everyone.
    assert_valid(story.verifier(published_before).verify_credential(story.credential))
    fresh = story.verifier()
    report = fresh.verify_credential(story.credential)
    assert not report.valid, describe(report)
    assert status_reasons(report) == ["revoked"], describe(report)
    assert_valid(fresh.verify_credential(reissued.credential))

    # The wallet keeps the new credential, and the pharmacy accepts it.
    new_held = imported(wallet.import_credential(reissued.credential, story.verifier()))
    assert sorted(held_ids(wallet)) == sorted([story.held_id, new_held.id])
    pharmacy.add_status_list(REVOCATION_LIST, story.published())
    sent, report = present_to_pharmacy(wallet, new_held.id, pharmacy, pharmacy_domain)
    assert sent["holder"] == wallet.did()
    assert [c["id"] for c in sent["verifiableCredential"]] == [new["id"]]
    assert_valid(report)
    assert the_check(report, CheckKind.STATUS, "credential[0]").passed
    [entry] = wallet.activity().entries
    assert (entry.verifier, entry.credential_id) == ("Apotek Nord", new_held.id)


def test_after_reissuance_the_default_answer_is_the_new_credential(story):
    wallet = story.restore()
    new = imported(
        wallet.import_credential(story.reissue(story.request(0, 1)).credential, story.verifier())
    )
    answers = wallet.answers(RESIDENCE_QUERY)
    assert answers.satisfiable
    assert [c.held_id for c in answers.default_choices] == [new.id]
    [query] = answers.queries
    assert [c.credential.id for c in query.candidates] == [new.id]


# --- 2. refusals -----------------------------------------------------------------------------


def test_refused_reissuance_requests_revoke_nothing_and_the_proper_one_still_works(
    story, tmp_path
):
    wallet = story.restore()
    accepted = story.guardian_dids

    # One confirmation, for a policy of two.
    reason = invalid(story.reissue, story.request(1), match="1 accepted guardian confirmation")
    assert "2 needed" in reason, reason
    # The same guardian twice counts once.
    twice = story.confirm(1) + story.confirm(1)
    invalid(story.reissue, wallet.reissuance_request(story.held_id, twice), match="2 needed")

    # A confirmation by someone who is not an accepted guardian.
    stranger = HolderWallet.open(str(tmp_path / "stranger.sqlite"), raw_key(40))
    with_stranger = story.confirm(0) + [stranger.confirm_recovery(story.old_did, wallet.did())]
    reason = invalid(
        story.reissue,
        wallet.reissuance_request(story.held_id, with_stranger),
        match="not an accepted guardian",
    )
    assert stranger.did() in reason, reason
    # ... or the citizen confirming herself.
    herself = story.confirm(0) + [wallet.confirm_recovery(story.old_did, wallet.did())]
    invalid(story.reissue, wallet.reissuance_request(story.held_id, herself), match="2 needed")

    # Confirmations for another new phone do not count.
    other_phone = P256KeystoreSigner().did()
    elsewhere = story.confirm(0, 1, holder=other_phone)
    invalid(
        story.reissue,
        wallet.reissuance_request(story.held_id, elsewhere),
        match="for other holders",
    )

    # The proper request, given to another issuer.
    proper = story.request(0, 1)
    other_registry = StatusRegistry.in_memory()
    other_registry.create_list(REVOCATION_LIST, StatusPurpose.REVOCATION)
    other_issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(
        other_registry, [REVOCATION_LIST]
    )
    invalid(other_issuer.reissue, proper, 2, story.verifier(), accepted, match="another issuer")

    # Garbage.
    tampered = proper[:-8] + ("A" if proper[-8] != "A" else "B") + proper[-7:]
    for garbage in ["", "{}", "garbage", "a.b.c", "\x00" * 64, "x" * 200_000, tampered]:
        invalid(story.reissue, garbage)

    # The wallet refuses to ask about credentials it does not have, or about its own.
    invalid(wallet.reissuance_request, "urn:uuid:00000000-0000-0000-0000-000000000000", story.confirm(0, 1))
    invalid(wallet.reissuance_request, "", [])

    # Nothing was revoked: the old credential is in force, and the proper request still works.
    story.old_is_in_force()
    reissued = story.reissue(proper)
    assert reissued.revoked == story.credential_id
    assert sorted(reissued.confirmed_by) == sorted(accepted[:2])
    report = story.verifier().verify_credential(story.credential)
    assert status_reasons(report) == ["revoked"], describe(report)
    # The new credential is current; it cannot itself be re-issued (not about a lost key).
    held = imported(wallet.import_credential(reissued.credential, story.verifier()))
    invalid(wallet.reissuance_request, held.id, story.confirm(0, 1))


def test_without_accepted_guardians_any_two_confirmers_count_but_none_is_refused(story):
    wallet = story.restore()
    invalid(
        story.municipality.reissue,
        wallet.reissuance_request(story.held_id, []),
        1,
        story.verifier(),
        match="0 accepted guardian confirmation",
    )
    story.old_is_in_force()
    reissued = story.municipality.reissue(story.request(0, 2), 2, story.verifier())
    assert sorted(reissued.confirmed_by) == sorted([story.guardian_dids[0], story.guardian_dids[2]])


# --- 3. delegation from the citizen's own wallet ---------------------------------------------


def test_a_citizen_on_a_platform_key_delegates_from_her_wallet_to_a_helper(tmp_path):
    citizen_key = P256KeystoreSigner()
    citizen = HolderWallet.open(str(tmp_path / "citizen.sqlite"), raw_key(1), signer=citizen_key)
    helper = HolderWallet.open(str(tmp_path / "helper.sqlite"), raw_key(2))
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    residence = municipality.issue(
        residence_credential(
            municipality.did(),
            citizen.did(),
            type=["VerifiableCredential", RESIDENCE_TYPE],
            id=f"urn:uuid:{uuid.uuid4()}",
        )
    )
    residence_id = credential_id(residence)
    imported(citizen.import_credential(residence, Verifier()))
    pharmacy_did = SoftwareKey.generate(KeyAlgorithm.P256).did()
    pharmacy = Verifier()

    # Without a delegation, the helper's wallet does not keep the citizen's credential.
    assert helper.import_credential(residence, Verifier()).is_refused()

    signed_before = len(citizen_key.signed)
    issuer = citizen.as_issuer()
    assert issuer.did() == citizen.did() == citizen_key.did()
    delegation = issuer.issue_delegation(
        citizen.did(),
        helper.did(),
        DelegationScope(credential_types=[RESIDENCE_TYPE], verifiers=[pharmacy_did]),
        None,
    )
    assert len(citizen_key.signed) > signed_before, "the citizen's keystore key signs it"
    document = json.loads(delegation)
    assert document["issuer"] == citizen.did()
    assert document["credentialSubject"]["id"] == helper.did()
    assert document["credentialSubject"]["onBehalfOf"] == citizen.did()
    assert_valid(Verifier().verify_credential(delegation))
    delegation_id = credential_id(delegation)

    # The helper's wallet keeps the delegation, then the citizen's credential under it.
    delegation_held = imported(helper.import_credential(delegation, Verifier()))
    held = imported(helper.import_credential(residence, Verifier()))
    assert held.issuer == municipality.did()
    assert sorted(held_ids(helper)) == sorted([delegation_held.id, held.id])

    # The helper presents to the pharmacy: the report says on whose behalf.
    sent, report = present_to_pharmacy(helper, held.id, pharmacy, pharmacy_did)
    assert sent["holder"] == helper.did()
    ids = [c["id"] for c in sent["verifiableCredential"]]
    assert sorted(ids) == sorted([residence_id, delegation_id])
    assert_valid(report)
    target = f"credential[{ids.index(residence_id)}]"
    binding = the_check(report, CheckKind.HOLDER_BINDING, target)
    assert "on behalf of" in binding.reason, describe(report)
    assert citizen.did() in binding.reason and helper.did() in binding.reason, binding.reason

    # The delegation names the pharmacy only: the helper's wallet will not present to the bank.
    bank_did = SoftwareKey.generate(KeyAlgorithm.P256).did()
    invalid(
        helper.present,
        RESIDENCE_QUERY,
        [Choice(query_id="residence", held_id=held.id)],
        Verifier().request(bank_did),
        "Banken",
        match="delegation",
    )


# --- SD-JWT VC --------------------------------------------------------------------------------

TOKEN_LIST = "https://kommune.example/token-status/revocation/reissue"
AGE_VCT = "urn:example:age"


def test_an_sd_jwt_bound_to_the_lost_key_is_reissued_to_the_new_key_and_the_old_one_revoked(
    tmp_path,
):
    path = lambda name: str(tmp_path / f"{name}.sqlite")  # noqa: E731
    registry = StatusRegistry.in_memory()
    registry.create_list(TOKEN_LIST, StatusPurpose.REVOCATION)
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(registry, [])
    issuer_key = SdJwtIssuer.DID_URL(municipality.verification_method())

    def verifier() -> Verifier:
        v = Verifier()
        v.add_status_list(TOKEN_LIST, municipality.status_list_token(TOKEN_LIST, 3600))
        return v

    old_key = P256KeystoreSigner()
    citizen = HolderWallet.open(path("old"), raw_key(1), signer=old_key)
    old_sd_jwt = municipality.issue_sd_jwt(
        json.dumps({"age_over_18": True, "birthdate": "1950-02-01"}),
        ["age_over_18", "birthdate"],
        SdJwtOptions(
            vct=AGE_VCT,
            holder_key_jwk=citizen.public_key_jwk(),
            status_list_url=TOKEN_LIST,
            status_credential_id=f"urn:uuid:{uuid.uuid4()}",
        ),
    )
    held = imported(citizen.import_credential(old_sd_jwt, verifier(), issuer_key)).id
    guardians = [GuardianWallet.open(path(f"g{i}"), raw_key(10 + i)) for i in range(3)]
    guardian_wallets = [HolderWallet.open(path(f"gw{i}"), raw_key(20 + i)) for i in range(3)]
    protection = citizen.protect(
        2, [Guardian(name=f"guardian {i}", key=g.public_key()) for i, g in enumerate(guardians)]
    )
    for guardian, share in zip(guardians, protection.shares):
        guardian.keep(share.sealed)
    old_did = citizen.did()
    del citizen

    new_key = P256KeystoreSigner()
    device = DeviceRecovery(protection.backup, DeviceKey.PLATFORM(new_key))
    for i in (0, 1):
        device.add_release(
            f"guardian {i}", guardians[i].release(device.request(), device.short_code())
        )
    wallet = device.restore_with_platform_key(path("new"), raw_key(2), new_key).wallet
    confirmations = [w.confirm_recovery(old_did, wallet.did()) for w in guardian_wallets[:2]]
    request = wallet.reissuance_request(held, confirmations)
    reissued = municipality.reissue(
        request, 2, verifier(), [w.did() for w in guardian_wallets]
    )
    assert "~" in reissued.credential and not reissued.credential.startswith("{")
    assert reissued.revoked.startswith(TOKEN_LIST + "#"), reissued.revoked

    # The old SD-JWT is revoked in the republished token; the new one is bound to the new key.
    pharmacy = verifier()
    old_check = pharmacy.verify_sd_jwt(old_sd_jwt, issuer_key)
    assert any(
        c.check == CheckKind.STATUS and not c.passed and c.reason.startswith("revoked")
        for c in old_check.report.checks
    ), describe(old_check.report)
    new_held = imported(wallet.import_credential(reissued.credential, pharmacy, issuer_key)).id
    query = json.dumps(
        {
            "credentials": [
                {
                    "id": "age",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [AGE_VCT]},
                    "claims": [{"path": ["age_over_18"]}],
                }
            ]
        }
    )
    answers = wallet.answers(query)
    assert [c.credential.id for c in answers.queries[0].candidates] == [new_held]
    request = pharmacy.request("https://apotek.example")
    made = wallet.present(query, answers.default_choices, request, "Apotek Nord")
    checked = pharmacy.verify_sd_jwt(made.presentations[0].presentation, issuer_key, request)
    assert_valid(checked.report)
    claims = json.loads(checked.claims_json)
    assert claims["age_over_18"] is True and "birthdate" not in claims
