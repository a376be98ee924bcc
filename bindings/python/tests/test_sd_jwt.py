"""SD-JWT VC through the bindings: the "over 18" story, key binding, platform signers, Token
Status Lists, and garbage to every SD-JWT function."""

from __future__ import annotations

import json

import pytest
from lommebok import (
    CheckKind,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    PresentationRequest,
    SdJwtIssuer,
    SdJwtOptions,
    SoftwareKey,
    StatusPurpose,
    StatusRegistry,
    Verifier,
    Wallet,
    inspect_sd_jwt,
)

from support import (
    P256KeystoreSigner,
    assert_valid,
    describe,
    failures,
)

PHARMACY_AUD = "https://apotek.example"
TOKEN_LIST = "https://kommune.example/token-status/revocation/1"

PID_CLAIMS = {
    "given_name": "Kari",
    "family_name": "Nordmann",
    "birthdate": "1990-02-03",
    "age_over_18": True,
    "address": {"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"},
}
DISCLOSABLE = ["given_name", "family_name", "birthdate", "age_over_18", "address"]
HIDDEN = ["given_name", "family_name", "birthdate", "address"]


def issue_pid(issuer: Issuer, wallet: Wallet, **options) -> str:
    """A person identification credential bound to `wallet`'s key."""
    return issuer.issue_sd_jwt(
        json.dumps(PID_CLAIMS),
        DISCLOSABLE,
        SdJwtOptions(vct="urn:eudi:pid:1", holder_key_jwk=wallet.public_key_jwk(), **options),
    )


def over_18(issuer: Issuer, wallet: Wallet, verifier: Verifier, sd_jwt: str):
    """The wallet shows only `age_over_18` to the pharmacy's request; the pharmacy verifies."""
    request = verifier.request(PHARMACY_AUD)
    presentation = wallet.present_sd_jwt(sd_jwt, ["age_over_18"], request)
    return verifier.verify_sd_jwt(
        presentation, SdJwtIssuer.DID_URL(issuer.verification_method()), request
    )


def assert_only_age_over_18(claims_json: str | None) -> None:
    assert claims_json is not None
    claims = json.loads(claims_json)
    assert claims["age_over_18"] is True
    assert claims["vct"] == "urn:eudi:pid:1"
    for hidden in HIDDEN:
        assert hidden not in claims, claims


@pytest.mark.parametrize("issuer_alg", [KeyAlgorithm.ED25519, KeyAlgorithm.P256])
@pytest.mark.parametrize("holder_alg", [KeyAlgorithm.ED25519, KeyAlgorithm.P256])
def test_over_18_shows_only_age_over_18(issuer_alg, holder_alg):
    issuer = Issuer(SoftwareKey.generate(issuer_alg))
    wallet = Wallet(SoftwareKey.generate(holder_alg))
    pharmacy = Verifier()
    sd_jwt = issue_pid(issuer, wallet)

    # The wallet screen: every claim, and what can be left out.
    contents = inspect_sd_jwt(sd_jwt)
    assert json.loads(contents.claims_json)["given_name"] == "Kari"
    assert set(contents.disclosable) == set(DISCLOSABLE)

    verification = over_18(issuer, wallet, pharmacy, sd_jwt)
    assert_valid(verification.report)
    kinds = {c.check for c in verification.report.checks}
    assert {CheckKind.DISCLOSURES, CheckKind.KEY_BINDING} <= kinds, describe(verification.report)
    assert_only_age_over_18(verification.claims_json)


def test_the_issuer_can_be_trusted_by_its_jwk():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    pharmacy = Verifier()
    request = pharmacy.request(PHARMACY_AUD)
    presentation = wallet.present_sd_jwt(issue_pid(issuer, wallet), ["age_over_18"], request)
    verification = pharmacy.verify_sd_jwt(
        presentation, SdJwtIssuer.JWK(issuer.public_key_jwk()), request
    )
    assert_valid(verification.report)
    assert_only_age_over_18(verification.claims_json)
    # Another issuer's key: the signature fails, and no claims come back.
    other = Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
    request = pharmacy.request(PHARMACY_AUD)
    presentation = wallet.present_sd_jwt(issue_pid(issuer, wallet), ["age_over_18"], request)
    verification = pharmacy.verify_sd_jwt(
        presentation, SdJwtIssuer.JWK(other.public_key_jwk()), request
    )
    assert not verification.report.valid
    assert verification.claims_json is None


def test_a_request_from_another_verifier_fails_the_challenge():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    pharmacy, elsewhere = Verifier(), Verifier()
    sd_jwt = issue_pid(issuer, wallet)
    foreign = elsewhere.request(PHARMACY_AUD)
    presentation = wallet.present_sd_jwt(sd_jwt, ["age_over_18"], foreign)
    verification = pharmacy.verify_sd_jwt(
        presentation, SdJwtIssuer.DID_URL(issuer.verification_method()), foreign
    )
    assert not verification.report.valid
    assert verification.claims_json is None
    assert CheckKind.CHALLENGE in {kind for _, kind, _ in failures(verification.report)}, (
        describe(verification.report)
    )


def test_a_platform_p256_signer_signs_the_key_binding_jwt():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    signer = P256KeystoreSigner()
    wallet = Wallet.with_signer(signer)
    jwk = json.loads(wallet.public_key_jwk())
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")
    sd_jwt = issue_pid(issuer, wallet)
    assert not signer.signed, "issuing does not involve the holder's key"
    verification = over_18(issuer, wallet, Verifier(), sd_jwt)
    assert_valid(verification.report)
    assert_only_age_over_18(verification.claims_json)
    assert len(signer.signed) == 1, "the KB-JWT is signed by the platform key"


def test_an_unbound_sd_jwt_is_presented_without_key_binding():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    sd_jwt = issuer.issue_sd_jwt(
        json.dumps(PID_CLAIMS), DISCLOSABLE, SdJwtOptions(vct="urn:eudi:pid:1", decoys=3)
    )
    presentation = wallet.present_sd_jwt_without_key_binding(sd_jwt, ["age_over_18"])
    verification = Verifier().verify_sd_jwt(
        presentation, SdJwtIssuer.DID_URL(issuer.verification_method())
    )
    assert_valid(verification.report)
    assert_only_age_over_18(verification.claims_json)
    # A bound credential cannot be shown without key binding.
    with pytest.raises(LommebokError.InvalidInput):
        wallet.present_sd_jwt_without_key_binding(issue_pid(issuer, wallet), ["age_over_18"])


def test_token_status_list_valid_then_revoked():
    registry = StatusRegistry.in_memory()
    registry.create_list(TOKEN_LIST, StatusPurpose.REVOCATION)
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).with_status(registry, [])
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.P256))
    pharmacy = Verifier()
    sd_jwt = issue_pid(
        issuer,
        wallet,
        status_list_url=TOKEN_LIST,
        status_credential_id="urn:uuid:pid-1",
    )
    assert "status" in json.loads(inspect_sd_jwt(sd_jwt).claims_json)

    pharmacy.add_status_list(TOKEN_LIST, issuer.status_list_token(TOKEN_LIST, 3600))
    verification = over_18(issuer, wallet, pharmacy, sd_jwt)
    assert_valid(verification.report)
    status = [c for c in verification.report.checks if c.check == CheckKind.STATUS]
    assert len(status) == 1 and status[0].passed, describe(verification.report)

    issuer.revoke("urn:uuid:pid-1")
    pharmacy.add_status_list(TOKEN_LIST, issuer.status_list_token(TOKEN_LIST, 3600))
    verification = over_18(issuer, wallet, pharmacy, sd_jwt)
    assert not verification.report.valid
    assert verification.claims_json is None
    failed = failures(verification.report)
    assert [kind for _, kind, _ in failed] == [CheckKind.STATUS], describe(verification.report)
    assert failed[0][2].startswith("revoked"), failed[0][2]


def test_status_without_a_registry_is_a_status_error():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    with pytest.raises(LommebokError.Status):
        issue_pid(issuer, wallet, status_list_url=TOKEN_LIST, status_credential_id="urn:x:1")
    with pytest.raises(LommebokError.Status):
        issuer.status_list_token(TOKEN_LIST, 3600)


GARBAGE = ["", "{", "[]", "null", "~", "~~~", "a.b.c~", "e30.e30~", "💳", "x" * 10_000]


def test_garbage_to_every_sd_jwt_function_is_invalid_input():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    verifier = Verifier()
    sd_jwt = issue_pid(issuer, wallet)
    request = verifier.request(PHARMACY_AUD)
    good_options = SdJwtOptions(vct="urn:eudi:pid:1")
    claims = json.dumps(PID_CLAIMS)
    for garbage in GARBAGE:
        with pytest.raises(LommebokError.InvalidInput):
            inspect_sd_jwt(garbage)
        with pytest.raises(LommebokError.InvalidInput):
            issuer.issue_sd_jwt(garbage, [], good_options)
        with pytest.raises(LommebokError.InvalidInput):
            issuer.issue_sd_jwt(claims, [garbage], good_options)
        with pytest.raises(LommebokError.InvalidInput):
            issuer.issue_sd_jwt(claims, [], SdJwtOptions(vct="urn:x", holder_key_jwk=garbage))
        with pytest.raises(LommebokError.InvalidInput):
            issuer.issue_sd_jwt(claims, [], SdJwtOptions(vct="urn:x", valid_until=garbage))
        with pytest.raises(LommebokError.InvalidInput):
            wallet.present_sd_jwt(garbage, [], request)
        with pytest.raises(LommebokError.InvalidInput):
            wallet.present_sd_jwt(sd_jwt, [garbage], request)
        with pytest.raises(LommebokError.InvalidInput):
            wallet.present_sd_jwt_without_key_binding(garbage, [])
        with pytest.raises(LommebokError.InvalidInput):
            verifier.verify_sd_jwt(garbage, SdJwtIssuer.DID_URL(issuer.verification_method()))
        with pytest.raises(LommebokError.InvalidInput):
            verifier.verify_sd_jwt(sd_jwt, SdJwtIssuer.JWK(garbage))
    # Readable but forged (header and payload `{}`): a report, not an error.
    forged = verifier.verify_sd_jwt(
        "e30.e30.e30~", SdJwtIssuer.DID_URL(issuer.verification_method())
    )
    assert not forged.report.valid and forged.claims_json is None
    # Options that do not make sense.
    for options in [
        SdJwtOptions(vct=""),
        SdJwtOptions(vct="urn:x", decoys=101),
        SdJwtOptions(vct="urn:x", status_list_url=TOKEN_LIST),
        SdJwtOptions(vct="urn:x", status_credential_id="urn:x:1"),
    ]:
        with pytest.raises(LommebokError.InvalidInput):
            issuer.issue_sd_jwt(claims, [], options)
    for reserved in ["iss", "vct", "cnf", "_sd"]:
        with pytest.raises(LommebokError.InvalidInput):
            issuer.issue_sd_jwt(json.dumps({reserved: "x"}), [], good_options)
    # A path that leads nowhere; a request without a domain.
    with pytest.raises(LommebokError.InvalidInput):
        issuer.issue_sd_jwt(claims, ["address.planet"], good_options)
    with pytest.raises(LommebokError.InvalidInput):
        wallet.present_sd_jwt(sd_jwt, ["age_over_18"], PresentationRequest(challenge="c"))
    # Status List Tokens: a period that is empty or too long.
    registry = StatusRegistry.in_memory()
    registry.create_list(TOKEN_LIST, StatusPurpose.REVOCATION)
    with_status = issuer.with_status(registry, [])
    for seconds in [0, 2**63, 2**64 - 1]:
        with pytest.raises(LommebokError.InvalidInput):
            with_status.status_list_token(TOKEN_LIST, seconds)
    for garbage in GARBAGE:
        with pytest.raises(LommebokError.Status):
            with_status.status_list_token(garbage, 3600)
    # A garbage Status List Token is a failed status check, not an error.
    sd_jwt = issue_pid(
        with_status, wallet, status_list_url=TOKEN_LIST, status_credential_id="urn:uuid:g"
    )
    for garbage in GARBAGE:
        verifier.add_status_list(TOKEN_LIST, garbage)
        verification = over_18(with_status, wallet, verifier, sd_jwt)
        assert [k for _, k, _ in failures(verification.report)] == [CheckKind.STATUS], describe(
            verification.report
        )
