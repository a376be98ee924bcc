"""The wallet screen's status badges: a citizen's app lists what it holds with each credential's
current status, from the status lists it fetched; revoked and suspended show as such, and
without the lists the status is unknown, never "valid"."""

from __future__ import annotations

import json

from lommebok import (
    HeldStatus,
    HolderWallet,
    ImportResult,
    Issuer,
    StatusRegistry,
    StoreKey,
    Verifier,
)

from support import REVOCATION_LIST, residence_credential

ONE_HOUR = 3600


def statuses(wallet: HolderWallet, verifier: Verifier) -> dict[str, HeldStatus]:
    listed = wallet.list_with_status(verifier)
    assert listed.damaged == []
    return {entry.credential.id: entry.status for entry in listed.credentials}


def test_the_wallet_lists_valid_then_revoked_and_unknown_without_the_list(
    tmp_path, municipality: Issuer, plain_issuer: Issuer, registry: StatusRegistry
):
    wallet = HolderWallet.open(str(tmp_path / "wallet.db"), StoreKey.PASSPHRASE("pass phrase"))
    app = Verifier()  # the app's own verifier, fed the lists it fetched
    app.add_status_list(
        REVOCATION_LIST, municipality.status_list_credential(REVOCATION_LIST, ONE_HOUR)
    )
    with_status = municipality.issue(residence_credential(municipality.did(), wallet.did()))
    without_status = plain_issuer.issue(residence_credential(plain_issuer.did(), wallet.did()))
    held = {}
    for name, credential in [("with", with_status), ("without", without_status)]:
        result = wallet.import_credential(credential, app)
        assert isinstance(result, ImportResult.IMPORTED), result
        held[name] = result.credential.id

    shown = statuses(wallet, app)
    assert shown[held["with"]] == HeldStatus.VALID()
    assert shown[held["without"]] == HeldStatus.NO_STATUS()

    municipality.revoke(json.loads(with_status)["id"])
    app.add_status_list(
        REVOCATION_LIST, municipality.status_list_credential(REVOCATION_LIST, ONE_HOUR)
    )
    shown = statuses(wallet, app)
    assert shown[held["with"]] == HeldStatus.REVOKED()
    assert shown[held["without"]] == HeldStatus.NO_STATUS()

    # An app that has not fetched the list cannot say the credential is in force.
    offline = statuses(wallet, Verifier())
    assert isinstance(offline[held["with"]], HeldStatus.UNKNOWN), offline[held["with"]]
    assert offline[held["with"]].reason
