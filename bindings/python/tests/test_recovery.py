"""Recovery with trusted people, as the apps use it: the citizen's wallet protects itself with
guardians (each on their own wallet store), a new device asks them for their shares with a
short code read out to each, and the wallet comes back whole in a new store. Each test checks
what the other side sees: the guardian's screen, the device's count, the verifier's report."""

from __future__ import annotations

import gc
import itertools
import json
from dataclasses import dataclass

import pytest
from lommebok import (
    DeviceKey,
    DeviceRecovery,
    Guardian,
    GuardianWallet,
    HolderWallet,
    ImportResult,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    Protection,
    SoftwareKey,
    StoreKey,
    Verifier,
)

from support import (
    PHARMACY,
    Ed25519KeystoreSigner,
    P256KeystoreSigner,
    assert_valid,
    describe,
    residence_credential,
)

NAMES = ["Kari", "Ola", "Nils", "Ingrid", "Per"]
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


# --- helpers ---------------------------------------------------------------------------------


def raw_key(seed: int) -> StoreKey:
    """A raw 32-byte store key (fast: no passphrase stretching)."""
    return StoreKey.KEY(bytes([seed]) * 32)


def residence(issuer: Issuer, holder_did: str) -> str:
    return issuer.issue(
        residence_credential(issuer.did(), holder_did, type=["VerifiableCredential", RESIDENCE_TYPE])
    )


def imported(result: ImportResult):
    if result.is_refused():
        report = describe(result.report) if result.report is not None else "no report"
        raise AssertionError(f"refused: {result.reason}\n{report}")
    return result.credential


def held_ids(wallet: HolderWallet) -> list[str]:
    listing = wallet.list()
    assert listing.damaged == [], listing.damaged
    return sorted(c.id for c in listing.credentials)


def software(key: SoftwareKey) -> DeviceKey:
    return DeviceKey.SOFTWARE(key)


def invalid(call, *args, match: str | None = None):
    """Calls `call(*args)`, which must raise InvalidInput (whose reason contains `match`);
    returns the reason."""
    with pytest.raises(LommebokError.InvalidInput) as raised:
        call(*args)
    reason = raised.value.reason
    assert isinstance(reason, str) and reason, raised.value
    if match is not None:
        assert match in reason, reason
    return reason


def present_residence(wallet: HolderWallet, verifier: Verifier, name: str = "Apotek Nord"):
    """The wallet answers the pharmacy's residence query; the pharmacy's report on it."""
    answers = wallet.answers(RESIDENCE_QUERY)
    assert answers.satisfiable
    request = verifier.request(PHARMACY)
    made = wallet.present(RESIDENCE_QUERY, answers.default_choices, request, name)
    [presented] = made.presentations
    [sent] = json.loads(made.vp_token)["residence"]
    assert sent["holder"] == wallet.did()
    return presented, verifier.verify_presentation(json.dumps(sent), request)


@dataclass
class Protected:
    """A citizen's wallet holding a residence credential, protected among guardians who each
    keep their share."""

    wallet: HolderWallet
    credential_id: str
    guardians: list[GuardianWallet]
    names: list[str]
    protection: Protection

    def device(self, key: DeviceKey | None = None, backup: bytes | None = None) -> DeviceRecovery:
        key = key if key is not None else software(SoftwareKey.generate(KeyAlgorithm.P256))
        return DeviceRecovery(backup if backup is not None else self.protection.backup, key)

    def release_from(self, device: DeviceRecovery, which) -> None:
        """The guardians `which` (indexes) each check the device's request, compare the code
        the owner reads out, and release; the device adds each share."""
        for i in which:
            guardian = self.guardians[i]
            pending = guardian.check_request(device.request())
            assert pending.short_code == device.short_code()
            release = guardian.release(device.request(), device.short_code())
            assert release.startswith("lbr1."), release
            assert device.add_release(self.names[i], release) == i + 1


def protect(tmp_path, threshold: int, count: int) -> Protected:
    wallet = HolderWallet.open(str(tmp_path / "citizen.sqlite"), raw_key(1))
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    credential = imported(wallet.import_credential(residence(municipality, wallet.did()), Verifier()))
    guardians = [
        GuardianWallet.open(str(tmp_path / f"guardian-{i}.sqlite"), raw_key(10 + i))
        for i in range(count)
    ]
    names = NAMES[:count]
    protection = wallet.protect(
        threshold, [Guardian(name=n, key=g.public_key()) for n, g in zip(names, guardians)]
    )
    assert (protection.epoch, protection.threshold) == (1, threshold)
    assert [(s.guardian, s.index) for s in protection.shares] == [
        (n, i + 1) for i, n in enumerate(names)
    ]
    for guardian, share in zip(guardians, protection.shares):
        kept = guardian.keep(share.sealed)
        assert (kept.wallet, kept.epoch, kept.index) == (wallet.did(), 1, share.index)
    return Protected(wallet, credential.id, guardians, names, protection)


# --- 1. the whole flow -----------------------------------------------------------------------


DEVICE_KEYS = {
    "software P-256": lambda: software(SoftwareKey.generate(KeyAlgorithm.P256)),
    "software Ed25519": lambda: software(SoftwareKey.generate(KeyAlgorithm.ED25519)),
    "platform P-256": lambda: DeviceKey.PLATFORM(P256KeystoreSigner()),
    "platform Ed25519": lambda: DeviceKey.PLATFORM(Ed25519KeystoreSigner()),
}


@pytest.mark.parametrize("device_kind", list(DEVICE_KEYS))
def test_a_lost_phone_comes_back_through_two_of_three_guardians(tmp_path, device_kind):
    citizen_path = tmp_path / "citizen.sqlite"
    citizen = HolderWallet.open(str(citizen_path), StoreKey.PASSPHRASE("old phone passphrase"))
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    pharmacy = Verifier()
    residence_id = imported(
        citizen.import_credential(residence(municipality, citizen.did()), pharmacy)
    ).id
    _, report = present_residence(citizen, pharmacy, "Apotek Nord")
    assert_valid(report)
    [before] = citizen.activity().entries

    # Three guardians, each with their own wallet store, give the citizen their guardian key.
    guardians = [
        GuardianWallet.open(str(tmp_path / f"{name}.sqlite"), StoreKey.PASSPHRASE(f"{name}!"))
        for name in NAMES[:3]
    ]
    keys = [g.public_key() for g in guardians]
    assert all(k.startswith("lbg1.") for k in keys) and len(set(keys)) == 3
    protection = citizen.protect(
        2, [Guardian(name=n, key=k) for n, k in zip(NAMES[:3], keys)]
    )
    assert (protection.epoch, protection.threshold) == (1, 2)
    assert [s.guardian for s in protection.shares] == NAMES[:3]
    assert len({s.sealed for s in protection.shares}) == 3
    for guardian, share in zip(guardians, protection.shares):
        assert share.sealed.startswith("lbs1.")
        guardian.keep(share.sealed)
    # Each guardian's wallet keeps its share across restarts.
    del guardians
    gc.collect()
    guardians = [
        GuardianWallet.open(str(tmp_path / f"{name}.sqlite"), StoreKey.PASSPHRASE(f"{name}!"))
        for name in NAMES[:3]
    ]
    assert [g.public_key() for g in guardians] == keys
    for i, guardian in enumerate(guardians):
        [kept] = guardian.kept_shares()
        assert (kept.wallet, kept.epoch, kept.index) == (citizen.did(), 1, i + 1)
    # The backup is kept anywhere (a cloud drive): it is all the new phone starts from.
    backup = citizen.refresh_backup()
    citizen_did = citizen.did()
    del citizen
    gc.collect()

    # The new phone: a new device key, a request, and a short code on its screen.
    device_key = DEVICE_KEYS[device_kind]()
    device = DeviceRecovery(backup, device_key)
    assert device.wallet() == citizen_did
    assert (device.threshold(), device.shares()) == (2, 0)
    code = device.short_code()
    assert len(code) == 6 and code.isdigit(), code
    assert device.request_expires_at() != ""

    # Kari's wallet shows whose wallet it is and the code; the owner reads the code out.
    pending = guardians[0].check_request(device.request())
    assert pending.wallet == citizen_did
    assert pending.epoch == 1
    assert pending.short_code == code
    # The same instant (the device's text has sub-second digits, the request whole seconds).
    assert pending.expires_at.endswith("Z") and device.request_expires_at().endswith("Z")
    assert pending.expires_at[:19] == device.request_expires_at()[:19]
    assert (pending.share.wallet, pending.share.epoch, pending.share.index) == (citizen_did, 1, 1)
    if device_kind.startswith("software"):
        assert pending.device_key == device_key.key.public_key_multibase()
    # Typed with a space, as people do.
    release = guardians[0].release(device.request(), f"{code[:3]} {code[3:]}")
    assert device.add_release("Kari", release) == 1
    assert device.shares() == 1
    invalid(device.restore, str(tmp_path / "new.sqlite"), StoreKey.PASSPHRASE("x"), match="1 of the 2 shares")

    # The app is killed; its saved state brings the recovery back, Kari's share included.
    state = device.to_state()
    request = device.request()
    del device
    gc.collect()
    device = DeviceRecovery.resume(state, backup, device_key)
    assert (device.request(), device.short_code(), device.shares()) == (request, code, 1)
    invalid(device.add_release, "Kari", release, match="already added")

    # Nils answers the same request.
    pending = guardians[2].check_request(device.request())
    assert (pending.short_code, pending.share.index) == (code, 3)
    assert device.add_release("Nils", guardians[2].release(device.request(), code)) == 3
    assert device.shares() == 2

    # Restored into a new store under a new passphrase.
    new_path = tmp_path / "new-phone.sqlite"
    restored = device.restore(str(new_path), StoreKey.PASSPHRASE("new phone passphrase"))
    wallet = restored.wallet
    assert wallet.did() == citizen_did
    assert held_ids(wallet) == [residence_id]
    assert [e.id for e in wallet.activity().entries] == [before.id]
    [entry] = wallet.activity().entries
    assert (entry.verifier, entry.domain, entry.credential_id) == (
        "Apotek Nord",
        PHARMACY,
        residence_id,
    )
    # The recovery is spent, and says so.
    assert device.request() == "" and device.short_code() == ""
    invalid(device.to_state, match="finished")
    invalid(device.restore, str(tmp_path / "again.sqlite"), raw_key(5), match="finished")

    # A fresh pharmacy accepts what the restored wallet presents.
    second_pharmacy = Verifier()
    presented, report = present_residence(wallet, second_pharmacy, "Apotek Sør")
    assert presented.held_id == residence_id
    assert_valid(report)
    assert [e.verifier for e in wallet.activity().entries] == ["Apotek Nord", "Apotek Sør"]

    # The new split to hand out: the next epoch, the same guardians, fresh shares.
    new = restored.protection
    assert (new.epoch, new.threshold) == (2, 2)
    assert [s.guardian for s in new.shares] == NAMES[:3]
    assert {s.sealed for s in new.shares}.isdisjoint(s.sealed for s in protection.shares)
    assert new.backup != backup

    # The new store opens with the new passphrase only, as the same wallet.
    del wallet, restored
    gc.collect()
    with pytest.raises(LommebokError.WrongKey):
        HolderWallet.open(str(new_path), StoreKey.PASSPHRASE("old phone passphrase"))
    reopened = HolderWallet.open(str(new_path), StoreKey.PASSPHRASE("new phone passphrase"))
    assert reopened.did() == citizen_did
    assert held_ids(reopened) == [residence_id]


def test_a_backup_refreshed_after_an_import_brings_the_new_credential_back(tmp_path):
    p = protect(tmp_path, 2, 3)
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    second = imported(p.wallet.import_credential(residence(municipality, p.wallet.did()), Verifier())).id
    refreshed = p.wallet.refresh_backup()

    # The old backup does not have it; the refreshed one, opened by the same shares, does.
    old = p.device(backup=p.protection.backup)
    p.release_from(old, [0, 1])
    assert held_ids(old.restore(str(tmp_path / "old.sqlite"), raw_key(2)).wallet) == [p.credential_id]

    # The guardians kept the epoch-1 shares; the first recovery rotated nothing they hold.
    new = p.device(backup=refreshed)
    p.release_from(new, [1, 2])
    assert held_ids(new.restore(str(tmp_path / "new.sqlite"), raw_key(3)).wallet) == sorted(
        [p.credential_id, second]
    )


# --- 2. thresholds ---------------------------------------------------------------------------


@pytest.mark.parametrize("pair", list(itertools.combinations(range(3), 2)))
def test_every_two_of_three_guardians_restore_the_wallet(tmp_path, pair):
    p = protect(tmp_path, 2, 3)
    device = p.device()
    p.release_from(device, pair)
    restored = device.restore(str(tmp_path / "restored.sqlite"), raw_key(2))
    assert restored.wallet.did() == p.wallet.did()
    assert held_ids(restored.wallet) == [p.credential_id]


@pytest.mark.parametrize("alone", range(3))
def test_one_guardian_alone_cannot_restore(tmp_path, alone):
    p = protect(tmp_path, 2, 3)
    device = p.device()
    p.release_from(device, [alone])
    target = tmp_path / "restored.sqlite"
    invalid(device.restore, str(target), raw_key(2), match="1 of the 2 shares needed")
    # Refused before anything was spent: the share is still there for the next guardian.
    assert device.shares() == 1
    other = (alone + 1) % 3
    p.release_from(device, [other])
    assert held_ids(device.restore(str(target), raw_key(2)).wallet) == [p.credential_id]


def test_no_guardian_at_all_cannot_restore(tmp_path):
    p = protect(tmp_path, 2, 3)
    invalid(p.device().restore, str(tmp_path / "r.sqlite"), raw_key(2), match="0 of the 2 shares")


@pytest.mark.parametrize("subset", [(0, 1, 2), (0, 2, 4), (1, 3, 4), (2, 3, 4, 0)])
def test_three_of_five_guardians_restore_the_wallet(tmp_path, subset):
    p = protect(tmp_path, 3, 5)
    device = p.device()
    assert device.threshold() == 3
    p.release_from(device, subset)
    assert device.shares() == len(subset)
    restored = device.restore(str(tmp_path / "restored.sqlite"), raw_key(2))
    assert held_ids(restored.wallet) == [p.credential_id]
    assert (restored.protection.epoch, restored.protection.threshold) == (2, 3)
    assert len(restored.protection.shares) == 5


@pytest.mark.parametrize("subset", [(0, 4), (1, 2), (3,)])
def test_fewer_than_three_of_five_cannot_restore(tmp_path, subset):
    p = protect(tmp_path, 3, 5)
    device = p.device()
    p.release_from(device, subset)
    invalid(
        device.restore,
        str(tmp_path / "restored.sqlite"),
        raw_key(2),
        match=f"{len(subset)} of the 3 shares needed",
    )


@pytest.mark.parametrize("threshold,count", [(1, 3), (0, 3), (4, 3), (2, 1), (2, 0)])
def test_a_threshold_that_does_not_fit_is_refused(tmp_path, threshold, count):
    wallet = HolderWallet.open(str(tmp_path / "citizen.sqlite"), raw_key(1))
    guardians = [
        Guardian(name=NAMES[i], key=GuardianWallet.open(str(tmp_path / f"g{i}.sqlite"), raw_key(10 + i)).public_key())
        for i in range(count)
    ]
    invalid(wallet.protect, threshold, guardians, match="threshold")
    invalid(wallet.rotate, match="not protected")
    invalid(wallet.refresh_backup, match="not protected")


# --- 3. what is refused ----------------------------------------------------------------------


def test_a_wrong_short_code_releases_nothing(tmp_path):
    p = protect(tmp_path, 2, 3)
    device = p.device()
    other_device = p.device()
    code = device.short_code()
    wrong = [
        "000000" if code != "000000" else "111111",
        code[:5],
        code + "0",
        "",
        other_device.short_code() if other_device.short_code() != code else "999999x",
    ]
    for attempt in wrong:
        reason = invalid(p.guardians[0].release, device.request(), attempt, match="short code")
        assert code not in reason, "the refusal must not tell the right code"
    # Nothing left the guardian: the device has nothing to add and cannot restore.
    assert device.shares() == 0
    invalid(device.restore, str(tmp_path / "r.sqlite"), raw_key(2), match="0 of the 2 shares")
    # The guardian still holds the share, and releases it with the right code.
    [kept] = p.guardians[0].kept_shares()
    assert kept.index == 1
    assert device.add_release("Kari", p.guardians[0].release(device.request(), f"{code[:3]}-{code[3:]}")) == 1


def test_a_release_for_another_device_is_refused(tmp_path):
    p = protect(tmp_path, 2, 3)
    mine = p.device()
    theirs = p.device()
    assert mine.request() != theirs.request()
    for_theirs = p.guardians[0].release(theirs.request(), theirs.short_code())
    invalid(mine.add_release, "Kari", for_theirs)
    assert mine.shares() == 0
    # Nor does a release of another wallet fit.
    (tmp_path / "stranger").mkdir()
    stranger = protect(tmp_path / "stranger", 2, 3)
    strangers_device = stranger.device()
    release = stranger.guardians[1].release(strangers_device.request(), strangers_device.short_code())
    invalid(mine.add_release, "Ola", release)
    assert mine.shares() == 0
    # A guardian holding no share for the stranger's wallet refuses its request.
    invalid(p.guardians[0].check_request, strangers_device.request(), match="no share kept")
    # Theirs takes it.
    assert theirs.add_release("Kari", for_theirs) == 1


def test_a_device_resumed_with_another_key_or_backup_is_refused(tmp_path):
    p = protect(tmp_path, 2, 3)
    key = software(SoftwareKey.generate(KeyAlgorithm.P256))
    device = p.device(key)
    p.release_from(device, [0])
    state = device.to_state()
    invalid(
        DeviceRecovery.resume,
        state,
        p.protection.backup,
        software(SoftwareKey.generate(KeyAlgorithm.P256)),
        match="another device key",
    )
    (tmp_path / "other").mkdir()
    other = protect(tmp_path / "other", 2, 3)
    invalid(DeviceRecovery.resume, state, other.protection.backup, key)
    resumed = DeviceRecovery.resume(state, p.protection.backup, key)
    assert resumed.shares() == 1
    invalid(resumed.renew_request, software(SoftwareKey.generate(KeyAlgorithm.P256)))


def test_after_a_restore_the_guardian_who_kept_the_old_share_is_refused(tmp_path):
    p = protect(tmp_path, 2, 3)
    device = p.device()
    p.release_from(device, [0, 1])
    restored = device.restore(str(tmp_path / "restored.sqlite"), raw_key(2))
    new = restored.protection
    # Kari and Ola keep their new shares; Nils has not yet.
    for i in (0, 1):
        kept = p.guardians[i].keep(new.shares[i].sealed)
        assert (kept.epoch, kept.index) == (2, i + 1)
    [nils_kept] = p.guardians[2].kept_shares()
    assert nils_kept.epoch == 1

    # The next phone recovers from the new backup: Nils' old share is refused.
    next_key = software(SoftwareKey.generate(KeyAlgorithm.ED25519))
    phone = DeviceRecovery(new.backup, next_key)
    invalid(p.guardians[2].check_request, phone.request(), match="revoked by a rotation")
    invalid(p.guardians[2].release, phone.request(), phone.short_code(), match="revoked by a rotation")
    # Released to a request on the old backup (same device key), it does not fit the new one.
    stale_request = DeviceRecovery(p.protection.backup, next_key)
    stale = p.guardians[2].release(stale_request.request(), stale_request.short_code())
    invalid(phone.add_release, "Nils", stale, match="revoked by a rotation")
    assert phone.shares() == 0
    # Guardians with the new share refuse the old backup's requests.
    invalid(p.guardians[0].check_request, stale_request.request(), match="newest backup")

    # Once Nils keeps the new share, the old one cannot come back, and his release counts.
    assert p.guardians[2].keep(new.shares[2].sealed).epoch == 2
    invalid(p.guardians[2].keep, p.protection.shares[2].sealed, match="revoked by a rotation")
    [kept] = p.guardians[2].kept_shares()
    assert kept.epoch == 2
    assert phone.add_release("Nils", p.guardians[2].release(phone.request(), phone.short_code())) == 3
    assert phone.add_release("Kari", p.guardians[0].release(phone.request(), phone.short_code())) == 1
    again = phone.restore(str(tmp_path / "again.sqlite"), raw_key(3))
    assert again.wallet.did() == p.wallet.did()
    assert held_ids(again.wallet) == [p.credential_id]
    assert again.protection.epoch == 3


def flip(text: str, at: int) -> str:
    """`text` with the character at `at` replaced by another of the same alphabet."""
    c = text[at]
    return text[:at] + ("B" if c != "B" else "C") + text[at + 1 :]


def test_a_tampered_share_or_release_is_refused_naming_what_is_wrong(tmp_path):
    p = protect(tmp_path, 2, 3)
    sealed = p.protection.shares[0].sealed
    for at in (len("lbs1.") + 3, len(sealed) // 2, len(sealed) - 2):
        reason = invalid(p.guardians[0].keep, flip(sealed, at))
        assert "sealed share" in reason, reason
    # Sealed to Kari: Ola cannot keep it.
    reason = invalid(p.guardians[1].keep, sealed)
    assert "share" in reason and "not sealed to this key" in reason, reason
    # A share is not a release, nor the other way round.
    device = p.device()
    invalid(device.add_release, "Kari", sealed)
    release = p.guardians[0].release(device.request(), device.short_code())
    invalid(p.guardians[0].keep, release)
    for at in (len("lbr1.") + 3, len(release) // 2, len(release) - 2):
        reason = invalid(device.add_release, "Kari", flip(release, at))
        assert "release" in reason, reason
    assert device.shares() == 0
    # The guardians still hold what they held.
    assert [g.kept_shares()[0].index for g in p.guardians] == [1, 2, 3]
    assert device.add_release("Kari", release) == 1


def test_a_tampered_request_is_refused(tmp_path):
    p = protect(tmp_path, 2, 3)
    device = p.device()
    header, payload, signature = device.request().split(".")
    # Another device's payload under this device's signature.
    other_payload = p.device().request().split(".")[1]
    for forged in (
        f"{header}.{other_payload}.{signature}",
        f"{header}.{payload}.{flip(signature, 5)}",
        f"{header}.{payload}.",
        f"{header}.{payload}",
    ):
        invalid(p.guardians[0].check_request, forged)
        invalid(p.guardians[0].release, forged, device.short_code())
    assert device.shares() == 0


def test_a_restore_into_a_store_in_use_leaves_the_recovery_as_it_was(tmp_path):
    p = protect(tmp_path, 2, 3)
    device = p.device()
    p.release_from(device, [0, 2])
    invalid(device.restore, str(tmp_path / "citizen.sqlite"), raw_key(1), match="not empty")
    with pytest.raises(LommebokError.WrongKey):
        device.restore(str(tmp_path / "citizen.sqlite"), raw_key(9))
    assert device.shares() == 2
    assert held_ids(device.restore(str(tmp_path / "empty.sqlite"), raw_key(2)).wallet) == [
        p.credential_id
    ]


def test_the_same_guardian_twice_is_refused(tmp_path):
    wallet = HolderWallet.open(str(tmp_path / "citizen.sqlite"), raw_key(1))
    kari = GuardianWallet.open(str(tmp_path / "kari.sqlite"), raw_key(10))
    ola = GuardianWallet.open(str(tmp_path / "ola.sqlite"), raw_key(11))
    twice = [
        Guardian(name="Kari", key=kari.public_key()),
        Guardian(name="Kari again", key=kari.public_key()),
        Guardian(name="Ola", key=ola.public_key()),
    ]
    invalid(wallet.protect, 2, twice)


def protect_platform_wallet(tmp_path):
    """A citizen's wallet on a platform key, holding a credential, protected 2-of-3."""
    old_phone_key = P256KeystoreSigner()
    wallet = HolderWallet.open(str(tmp_path / "citizen.sqlite"), raw_key(1), signer=old_phone_key)
    municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    imported(wallet.import_credential(residence(municipality, wallet.did()), Verifier()))
    guardians = [GuardianWallet.open(str(tmp_path / f"g{i}.sqlite"), raw_key(10 + i)) for i in range(3)]
    protection = wallet.protect(
        2, [Guardian(name=n, key=g.public_key()) for n, g in zip(NAMES, guardians)]
    )
    for guardian, share in zip(guardians, protection.shares):
        guardian.keep(share.sealed)
    device_key = software(SoftwareKey.generate(KeyAlgorithm.P256))
    device = DeviceRecovery(protection.backup, device_key)
    for i in (0, 1):
        device.add_release(NAMES[i], guardians[i].release(device.request(), device.short_code()))
    return wallet, protection, device_key, device


def test_a_platform_key_wallet_is_restored_onto_the_new_phones_key(tmp_path):
    wallet, protection, device_key, device = protect_platform_wallet(tmp_path)
    assert not wallet.has_software_key()
    state = device.to_state()
    # The old phone's key is gone with the phone: restore says so, naming the old key.
    invalid(
        device.restore, str(tmp_path / "plain.sqlite"), raw_key(2), match="platform key"
    )
    # From the saved state, onto the new phone's platform key.
    device = DeviceRecovery.resume(state, protection.backup, device_key)
    new_phone_key = P256KeystoreSigner()
    restored = device.restore_with_platform_key(str(tmp_path / "new.sqlite"), raw_key(2), new_phone_key)
    assert restored.wallet.did() == new_phone_key.did() != wallet.did()
    assert not restored.wallet.has_software_key()
    assert len(held_ids(restored.wallet)) == 1
    assert restored.protection.epoch == 2


def test_restore_of_a_platform_key_wallet_leaves_the_recovery_as_it_was(tmp_path):
    _, _, _, device = protect_platform_wallet(tmp_path)
    invalid(device.restore, str(tmp_path / "plain.sqlite"), raw_key(2), match="platform key")
    assert device.shares() == 2
    device.restore_with_platform_key(str(tmp_path / "plain.sqlite"), raw_key(2), P256KeystoreSigner())


# --- 5. garbage ------------------------------------------------------------------------------

GARBAGE_TEXT = [
    "",
    " ",
    "\x00",
    "lbs1.",
    "lbr1.",
    "lbg1.",
    "lbs1." + "A" * 200,
    "lbr1." + "_" * 200,
    "lbs1.!!!not-base64!!!",
    "a.b.c",
    "eyJhbGciOiJub25lIn0.e30.",
    "ø" * 1000,
    "{}",
    "x" * 2_000_000,
    "lbs1." + "A" * 1_000_000,
]

GARBAGE_BYTES = [
    b"",
    b"\x00",
    b"\xff" * 64,
    b"lommebok",
    bytes(range(256)) * 4,
    b"\x00" * 5_000_000,
]


@pytest.mark.parametrize("text", GARBAGE_TEXT, ids=lambda t: repr(t[:12]) + f"[{len(t)}]")
def test_garbage_text_to_the_guardian_and_device_is_invalid_input(tmp_path, text):
    p = protect(tmp_path, 2, 3)
    guardian = p.guardians[0]
    invalid(guardian.keep, text)
    invalid(guardian.check_request, text)
    invalid(guardian.release, text, "123456")
    device = p.device()
    invalid(device.add_release, "Kari", text)
    invalid(device.add_release, text[:1000], "lbr1.AAAA")
    invalid(guardian.release, device.request(), text)
    invalid(
        p.wallet.protect,
        2,
        [Guardian(name="Kari", key=guardian.public_key()), Guardian(name="Ola", key=text)],
        match="guardian Ola",
    )
    # Nothing changed on either side.
    assert [(k.epoch, k.index) for k in guardian.kept_shares()] == [(1, 1)]
    assert device.shares() == 0


@pytest.mark.parametrize("data", GARBAGE_BYTES, ids=lambda b: f"{b[:4]!r}[{len(b)}]")
def test_garbage_bytes_as_backup_or_state_are_invalid_input(tmp_path, data):
    p = protect(tmp_path, 2, 3)
    key = software(SoftwareKey.generate(KeyAlgorithm.P256))
    invalid(DeviceRecovery, data, key)
    device = p.device(key)
    state = device.to_state()
    invalid(DeviceRecovery.resume, data, p.protection.backup, key)
    invalid(DeviceRecovery.resume, state, data, key)
    invalid(DeviceRecovery.resume, data, data, key)


def test_damaged_backups_and_states_are_invalid_input(tmp_path):
    p = protect(tmp_path, 2, 3)
    key = software(SoftwareKey.generate(KeyAlgorithm.P256))
    backup = p.protection.backup
    device = p.device(key)
    p.release_from(device, [0])
    state = device.to_state()
    for damaged in (
        backup[: len(backup) // 2],
        backup[:-1],
        backup + b"\x00",
        backup[:10] + bytes([backup[10] ^ 1]) + backup[11:],
        backup[::-1],
    ):
        # A backup that does not read is refused up front; one that reads but was changed is
        # refused at the latest when it is opened: never a wallet from a changed backup.
        with pytest.raises(LommebokError.InvalidInput):
            changed = DeviceRecovery(damaged, key)
            p.release_from(changed, [0, 1])
            changed.restore(str(tmp_path / f"r{len(damaged)}.sqlite"), raw_key(2))
    for damaged in (state[: len(state) // 2], state[:-1], state + b"\x00", state[::-1]):
        invalid(DeviceRecovery.resume, damaged, backup, key)
    # One byte changed anywhere in the state: refused (at resume, by a guardian, or when the
    # shares do not open the backup), or the very same wallet: never another one, never a crash.
    for at in range(0, len(state), max(1, len(state) // 24)):
        flipped = bytearray(state)
        flipped[at] ^= 0x01
        try:
            resumed = DeviceRecovery.resume(bytes(flipped), backup, key)
            p.release_from(resumed, [1])
            restored = resumed.restore(str(tmp_path / f"flipped-{at}.sqlite"), raw_key(2))
        except LommebokError.InvalidInput:
            continue
        assert restored.wallet.did() == p.wallet.did(), at
        assert held_ids(restored.wallet) == [p.credential_id], at
    # The undamaged state still works.
    resumed = DeviceRecovery.resume(state, backup, key)
    p.release_from(resumed, [1])
    assert held_ids(resumed.restore(str(tmp_path / "ok.sqlite"), raw_key(2)).wallet) == [
        p.credential_id
    ]


def test_a_store_key_of_the_wrong_length_is_invalid_input_and_spends_nothing(tmp_path):
    p = protect(tmp_path, 2, 3)
    for key in (b"", b"short", bytes(31), bytes(33), bytes(1_000_000)):
        invalid(GuardianWallet.open, str(tmp_path / f"g-{len(key)}.sqlite"), StoreKey.KEY(key), match="32 bytes")
    device = p.device()
    p.release_from(device, [0, 1])
    invalid(device.restore, str(tmp_path / "r.sqlite"), StoreKey.KEY(b"short"), match="32 bytes")
    assert device.shares() == 2
    assert held_ids(device.restore(str(tmp_path / "r.sqlite"), raw_key(2)).wallet) == [p.credential_id]


def test_a_platform_device_key_that_fails_is_a_signing_error(tmp_path):
    from support import FailingSigner, KeyGoneSigner

    p = protect(tmp_path, 2, 3)
    with pytest.raises(LommebokError.Signing):
        DeviceRecovery(p.protection.backup, DeviceKey.PLATFORM(FailingSigner(LommebokError.Signing("user cancelled"))))
    with pytest.raises(LommebokError.Signing):
        DeviceRecovery(p.protection.backup, DeviceKey.PLATFORM(KeyGoneSigner()))
