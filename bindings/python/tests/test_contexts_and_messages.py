"""What the CLI does with --context URL=FILE and status message lists, through the bindings."""

import json

import pytest

from lommebok import (
    CheckKind,
    ContextDocument,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SoftwareKey,
    StatusMessage,
    StatusPurpose,
    StatusRegistry,
    Verifier,
    VerifierOptions,
    Wallet,
    credential_id,
)

CONTEXT = ContextDocument(
    url="https://kommune.example/vocab/v1",
    document=json.dumps({"@context": {"@vocab": "https://kommune.example/vocab#"}}),
)


def own_vocabulary_credential(issuer: Issuer, holder: str) -> str:
    return json.dumps({
        "@context": ["https://www.w3.org/ns/credentials/v2", CONTEXT.url],
        "type": ["VerifiableCredential", "ParkingPermit"],
        "issuer": issuer.did(),
        "credentialSubject": {"id": holder, "zone": "Sentrum"},
    })


def test_a_credential_in_the_municipalitys_own_vocabulary_needs_its_context_everywhere():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    unsigned = own_vocabulary_credential(issuer, wallet.did())
    with pytest.raises(LommebokError.InvalidInput, match="kommune.example/vocab/v1"):
        issuer.issue(unsigned)
    credential = issuer.with_contexts([CONTEXT]).issue(unsigned)
    wallet.store(credential)

    # A verifier that does not know the context refuses it (a failed check, not a pass).
    report = Verifier().verify_credential(credential)
    assert not report.valid
    assert [c.check for c in report.checks if not c.passed] == [CheckKind.CONTEXT, CheckKind.PROOF]

    # The wallet needs it to present, and the verifier to verify.
    verifier = Verifier.with_options(VerifierOptions(contexts=[CONTEXT]))
    request = verifier.request("apotek.example")
    with pytest.raises(LommebokError.InvalidInput):
        wallet.present([credential], request)
    wallet.add_contexts([CONTEXT])
    report = verifier.verify_presentation(wallet.present([credential], request), request)
    assert report.valid, [(c.target, c.check, c.reason) for c in report.checks if not c.passed]


def test_a_bundled_context_cannot_be_replaced():
    evil = ContextDocument(url="https://www.w3.org/ns/credentials/v2", document=CONTEXT.document)
    with pytest.raises(LommebokError.InvalidInput, match="bundled"):
        Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_contexts([evil])


def test_message_list_values_reach_the_verifier_with_their_message():
    url = "https://kommune.example/status/messages/1"
    registry = StatusRegistry.in_memory()
    messages = [StatusMessage(status=v, message=m) for v, m in
                enumerate(["pending_review", "accepted", "rejected", "undefined"])]
    registry.create_message_list(url, 2, messages, ["https://kommune.example/status-dictionary/"])
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(registry, [url])
    holder = SoftwareKey.generate(KeyAlgorithm.ED25519)
    credential = issuer.issue(json.dumps({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did(),
        "credentialSubject": {"id": holder.did(), "application": "building permit"},
    }))
    entry = json.loads(credential)["credentialStatus"]
    assert entry["statusSize"] == 2 and len(entry["statusMessage"]) == 4

    registry.set_status(credential_id(credential), StatusPurpose.MESSAGE, 2)
    verifier = Verifier()
    verifier.add_status_list(url, issuer.status_list_credential(url, 3600))
    report = verifier.verify_credential(credential)
    status = [c for c in report.checks if c.check == CheckKind.STATUS]
    assert [(c.passed, c.reason) for c in status] == [(True, "status message 0x2: rejected")]
    assert [s.message for s in registry.status_of(credential_id(credential))] == ["rejected"]


def test_message_lists_must_cover_every_value():
    registry = StatusRegistry.in_memory()
    with pytest.raises(LommebokError.InvalidInput):
        registry.create_message_list("https://kommune.example/s/m", 2,
                                     [StatusMessage(status=0, message="a")], [])
    with pytest.raises(LommebokError.InvalidInput):
        registry.create_message_list("https://kommune.example/s/m", 9, [], [])
    with pytest.raises(LommebokError.Status):
        registry.set_status("urn:uuid:unknown", StatusPurpose.MESSAGE, 1)
