"""credential_id: what an app passes to Issuer.revoke, read from the issued JSON."""

import pytest

from lommebok import (
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SoftwareKey,
    StatusPurpose,
    StatusRegistry,
    credential_id,
)

from support import residence_credential


def test_credential_id_of_an_issued_credential_is_what_revoke_takes():
    registry = StatusRegistry.in_memory()
    url = "https://kommune.example/status/1"
    registry.create_list(url, StatusPurpose.REVOCATION)
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(registry, [url])
    holder = SoftwareKey.generate(KeyAlgorithm.ED25519)
    credential = issuer.issue(residence_credential(issuer.did(), holder.did()))
    identifier = credential_id(credential)
    assert identifier is not None and identifier.startswith("urn:uuid:")
    issuer.revoke(identifier)
    assert [status.value for status in registry.status_of(identifier)] == [1]


def test_credential_id_of_garbage_is_invalid_input():
    with pytest.raises(LommebokError.InvalidInput):
        credential_id("{")
