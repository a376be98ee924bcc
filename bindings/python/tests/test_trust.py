"""Trust lists and signed requests, as a pharmacy app and a wallet app use them.

A national trust anchor signs a trust list naming which issuers may issue which credential
types, and which verifiers may ask for what, and where their answers go. The pharmacy's
`Verifier` checks every issuer against the list (a `TRUST` check in each report); the wallet
checks each signed request (`check_request`) against its own copy before it shows or answers
anything (`HolderWallet.present_to`). Each test asserts on what the other party sees."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lommebok import (
    CheckKind,
    HolderWallet,
    ImportResult,
    Issuer,
    KeyAlgorithm,
    ListedIssuer,
    LommebokError,
    RegisteredVerifier,
    RequestPolicy,
    RequestScope,
    ResponsePart,
    SdJwtIssuer,
    SdJwtOptions,
    SoftwareKey,
    StoreKey,
    TrustLists,
    TrustListContents,
    Verifier,
    VerifierOptions,
    check_request,
)

from support import (
    P256KeystoreSigner,
    assert_valid,
    b64url,
    describe,
    failures,
    residence_credential,
    the_check,
)

LIST_ID = "urn:example:trust-list:no"
AGE_VCT = "urn:example:age"
PID_VCT = "urn:example:pid"
RESIDENCE_TYPE = "ExampleResidenceCredential"
DEGREE_TYPE = "ExampleDegreeCredential"
MUNICIPALITY_NAME = "Tromsø kommune"
PHARMACY_NAME = "Apotek Nord"
PHARMACY_PURPOSE = "age check before selling non-prescription medicines"
RESPONSE_URI = "https://apotek-nord.example/response"
SOUTH_NAME = "Apotek Sør"
SOUTH_RESPONSE_URI = "https://apotek-sor.example/response"

AGE_CLAIMS = {"given_name": "Kari", "birthdate": "1990-02-03", "age_over_18": True}
AGE_DISCLOSABLE = ["given_name", "birthdate", "age_over_18"]


def age_query(*claims: str) -> str:
    """A DCQL query for the age credential asking for `claims` (default age_over_18)."""
    return json.dumps(
        {
            "credentials": [
                {
                    "id": "age",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [AGE_VCT]},
                    "claims": [{"path": [claim]} for claim in (claims or ("age_over_18",))],
                }
            ]
        }
    )


AGE_QUERY = age_query()


# --- the people ------------------------------------------------------------------------------


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_now(**delta) -> str:
    return iso(dt.datetime.now(dt.timezone.utc) + dt.timedelta(**delta))


def ed25519_issuer() -> Issuer:
    return Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))


def pharmacy_registration(did: str, name: str = PHARMACY_NAME, uri: str = RESPONSE_URI):
    return RegisteredVerifier(
        did=did,
        legal_name=name,
        purpose=PHARMACY_PURPOSE,
        may_request=[RequestScope(credential_type=AGE_VCT, claims=["age_over_18"])],
        response_uris=[uri],
    )


class World:
    """The anchor, the municipality, the pharmacy (its key, trust lists and Verifier) and the
    citizen's persistent wallet with the wallet app's own trust lists."""

    def __init__(self, tmp_path):
        self.anchor = ed25519_issuer()
        self.municipality = ed25519_issuer()
        self.pharmacy_key = SoftwareKey.generate(KeyAlgorithm.P256)
        self.list_json = self.anchor.issue_trust_list(self.contents())
        self.pharmacy_trust = TrustLists([self.anchor.did()])
        info = self.pharmacy_trust.add(self.list_json, Verifier())
        assert info.anchor == self.anchor.did()
        assert (info.contents.list_id, info.contents.sequence) == (LIST_ID, 1)
        self.pharmacy = trusting(self.pharmacy_trust)
        self.wallet_trust = TrustLists([self.anchor.did()])
        self.wallet_trust.add(self.list_json, Verifier())
        self.wallet = HolderWallet.open(
            str(tmp_path / "wallet.sqlite"), StoreKey.PASSPHRASE("correct horse battery staple")
        )

    def contents(self, sequence: int = 1, verifiers=None) -> TrustListContents:
        return TrustListContents(
            list_id=LIST_ID,
            sequence=sequence,
            issuers=[
                ListedIssuer(
                    did=self.municipality.did(),
                    legal_name=MUNICIPALITY_NAME,
                    credential_types=[AGE_VCT, RESIDENCE_TYPE],
                )
            ],
            verifiers=(
                verifiers
                if verifiers is not None
                else [pharmacy_registration(self.pharmacy_key.did())]
            ),
        )

    def municipality_key(self) -> SdJwtIssuer:
        return SdJwtIssuer.DID_URL(self.municipality.verification_method())

    def give_age_credential(self, issuer: Issuer | None = None, vct: str = AGE_VCT) -> str:
        """`issuer` (the municipality) issues an age SD-JWT to the wallet, which imports it
        checking the issuer against the wallet app's trust lists when it is listed (an unlisted
        issuer is imported by a wallet that checks nothing, so the pharmacy can be shown it)."""
        issuer = issuer or self.municipality
        sd_jwt = issuer.issue_sd_jwt(
            json.dumps(AGE_CLAIMS),
            AGE_DISCLOSABLE,
            SdJwtOptions(vct=vct, holder_key_jwk=self.wallet.public_key_jwk()),
        )
        checking = trusting(self.wallet_trust) if issuer is self.municipality else Verifier()
        result = self.wallet.import_credential(
            sd_jwt, checking, SdJwtIssuer.DID_URL(issuer.verification_method())
        )
        return imported_id(result)

    def signed(self, query: str = AGE_QUERY, uri: str = RESPONSE_URI):
        return self.pharmacy.signed_request(self.pharmacy_key, query, uri)


def trusting(trust: TrustLists, **options) -> Verifier:
    return Verifier.with_options(VerifierOptions(trust_lists=trust, **options))


def imported_id(result: ImportResult) -> str:
    if result.is_refused():
        report = describe(result.report) if result.report is not None else "no report"
        raise AssertionError(f"refused: {result.reason}\n{report}")
    return result.credential.id


@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)


def residence(issuer: Issuer, holder_did: str, kind: str = RESIDENCE_TYPE) -> str:
    return issuer.issue(
        residence_credential(issuer.did(), holder_did, type=["VerifiableCredential", kind])
    )


def trust_check(report):
    found = [c for c in report.checks if c.check == CheckKind.TRUST]
    assert len(found) == 1, describe(report)
    return found[0]


def assert_trust_fails(report, starts: str):
    """The report is invalid because of its TRUST check only, whose reason starts so."""
    assert not report.valid, describe(report)
    check = trust_check(report)
    assert not check.passed, describe(report)
    assert check.reason.startswith(starts), check.reason
    assert [kind for _, kind, _ in failures(report)] == [CheckKind.TRUST], describe(report)
    return check


def answer(world: World, check) -> str:
    """The wallet answers `check` with the default choices; the one SD-JWT presentation."""
    answers = world.wallet.answers(check.query_json())
    assert answers.satisfiable
    made = world.wallet.present_to(check, answers.default_choices)
    [presented] = made.presentations
    [sent] = json.loads(made.vp_token)["age"]
    assert sent == presented.presentation
    return sent


def activity(wallet: HolderWallet):
    log = wallet.activity()
    assert log.damaged == [], log.damaged
    return log.entries


# --- compact JWS, taken apart and put together as an attacker would --------------------------


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jws_parts(compact: str) -> tuple[dict, dict, str]:
    header, payload, signature = compact.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), signature


def es256(private_key, header: dict, payload: dict) -> str:
    """A compact JWS of `payload` under `header`, signed ES256 by `private_key` (P-256)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    r, s = decode_dss_signature(private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


# --- 1. the happy path -----------------------------------------------------------------------


def test_a_listed_municipality_and_a_registered_pharmacy_complete_an_age_check(world: World):
    age_id = world.give_age_credential()
    signed = world.signed()
    assert signed.request.domain == "decentralized_identifier:" + world.pharmacy_key.did()

    # The wallet app checks the request before showing anything.
    check = check_request(signed.request_object, world.wallet_trust)
    assert check.acceptable(), check.refusals()
    assert check.refusals() == []
    assert check.registered()
    assert check.verifier_name() == PHARMACY_NAME
    assert check.verifier_did() == world.pharmacy_key.did()
    assert check.purpose() == PHARMACY_PURPOSE
    assert check.response_uri() == RESPONSE_URI
    assert check.over_asking() == []
    assert check.registration().response_uris == [RESPONSE_URI]
    assert check.presentation_request() == signed.request
    assert json.loads(check.query_json()) == json.loads(AGE_QUERY)

    answers = world.wallet.answers(check.query_json())
    assert answers.satisfiable
    [way] = answers.queries[0].candidates[0].ways
    assert way.released.claims == ["age_over_18"]
    assert [(c.query_id, c.held_id) for c in answers.default_choices] == [("age", age_id)]
    made = world.wallet.present_to(check, answers.default_choices)
    [sent] = json.loads(made.vp_token)["age"]

    # What the pharmacy sees.
    [verified] = world.pharmacy.verify_response(
        signed.request, [ResponsePart.SD_JWT(sent, world.municipality_key())]
    )
    assert_valid(verified.report)
    trust = the_check(verified.report, CheckKind.TRUST, "credential")
    assert trust.passed
    assert MUNICIPALITY_NAME in trust.reason and LIST_ID in trust.reason, trust.reason
    claims = json.loads(verified.claims_json)
    assert claims["age_over_18"] is True
    assert claims["vct"] == AGE_VCT
    for hidden in ("birthdate", "given_name"):
        assert hidden not in claims, claims

    # The activity log names the pharmacy by its registered name.
    [entry] = activity(world.wallet)
    assert entry.id == made.presentations[0].activity_id
    assert entry.verifier == PHARMACY_NAME
    assert entry.domain == signed.request.domain
    assert entry.credential_id == age_id
    assert entry.released.claims == ["age_over_18"]

    # A Data Integrity credential from the listed municipality: the trust check passes too.
    report = world.pharmacy.verify_credential(residence(world.municipality, world.wallet.did()))
    assert_valid(report)
    assert trust_check(report).passed
    assert MUNICIPALITY_NAME in trust_check(report).reason


# --- 2. refusals -----------------------------------------------------------------------------


def test_an_unlisted_issuer_fails_the_trust_check(world: World):
    stranger = ed25519_issuer()
    # The pharmacy is shown a Data Integrity credential from an issuer on no list.
    report = world.pharmacy.verify_credential(residence(stranger, world.wallet.did()))
    assert_trust_fails(report, "issuer not listed")
    assert stranger.did() in trust_check(report).reason

    # A wallet that checks against its lists refuses such an SD-JWT on import.
    sd_jwt = stranger.issue_sd_jwt(
        json.dumps(AGE_CLAIMS),
        AGE_DISCLOSABLE,
        SdJwtOptions(vct=AGE_VCT, holder_key_jwk=world.wallet.public_key_jwk()),
    )
    stranger_key = SdJwtIssuer.DID_URL(stranger.verification_method())
    refused = world.wallet.import_credential(sd_jwt, trusting(world.wallet_trust), stranger_key)
    assert refused.is_refused()
    assert refused.report is not None
    assert trust_check(refused.report).reason.startswith("issuer not listed")
    assert world.wallet.list().credentials == []

    # A wallet that checks nothing presents it: the pharmacy still sees whom it came from.
    world.give_age_credential(issuer=stranger)
    signed = world.signed()
    sent = answer(world, check_request(signed.request_object, world.wallet_trust))
    [verified] = world.pharmacy.verify_response(
        signed.request, [ResponsePart.SD_JWT(sent, stranger_key)]
    )
    assert_trust_fails(verified.report, "issuer not listed")
    assert verified.claims_json is None


def test_an_issuer_listed_for_another_type_fails_the_trust_check(world: World):
    report = world.pharmacy.verify_credential(
        residence(world.municipality, world.wallet.did(), kind=DEGREE_TYPE)
    )
    check = assert_trust_fails(report, "listed but not for this type")
    assert MUNICIPALITY_NAME in check.reason and DEGREE_TYPE in check.reason, check.reason

    # An SD-JWT of an unlisted vct, presented to the pharmacy.
    sd_jwt = world.municipality.issue_sd_jwt(
        json.dumps({"given_name": "Kari"}), ["given_name"], SdJwtOptions(vct=PID_VCT)
    )
    verification = world.pharmacy.verify_sd_jwt(sd_jwt, world.municipality_key())
    check = assert_trust_fails(verification.report, "listed but not for this type")
    assert PID_VCT in check.reason, check.reason
    assert verification.claims_json is None


def test_an_expired_list_cannot_be_added_and_a_held_one_stops_vouching(world: World):
    short = world.anchor.issue_trust_list(
        TrustListContents(
            list_id="urn:example:trust-list:short",
            sequence=1,
            issuers=[
                ListedIssuer(
                    did=world.municipality.did(),
                    legal_name=MUNICIPALITY_NAME,
                    credential_types=[RESIDENCE_TYPE],
                )
            ],
            verifiers=[pharmacy_registration(world.pharmacy_key.did())],
        ),
        valid_until=from_now(hours=1),
    )
    later = from_now(hours=2)

    # Two hours on, the list cannot be added: it does not verify.
    trust = TrustLists([world.anchor.did()])
    with pytest.raises(LommebokError.InvalidInput) as raised:
        trust.add(short, Verifier.with_options(VerifierOptions(at_time=later)))
    assert "does not verify" in raised.value.reason, raised.value.reason
    assert trust.lists() == []
    # Nor can the anchor issue a list that has already expired.
    with pytest.raises(LommebokError.InvalidInput):
        world.anchor.issue_trust_list(world.contents(), valid_until=from_now(hours=-1))

    # Added while in force, it stops vouching once it has expired.
    trust.add(short, Verifier.with_options(VerifierOptions(at_time=from_now(minutes=30))))
    [held] = trust.lists()
    assert held.valid_until is not None
    credential = residence(world.municipality, world.wallet.did())
    assert trust_check(trusting(trust).verify_credential(credential)).passed
    report = trusting(trust, at_time=later).verify_credential(credential)
    check = assert_trust_fails(report, "list expired")
    assert "urn:example:trust-list:short" in check.reason, check.reason



def test_a_tampered_list_is_refused_and_the_held_list_stays(world: World):
    stranger = ed25519_issuer()
    original = json.loads(world.list_json)

    changed_did = json.loads(world.list_json)
    changed_did["credentialSubject"]["issuers"][0]["did"] = stranger.did()
    changed_type = json.loads(world.list_json)
    changed_type["credentialSubject"]["issuers"][0]["credentialTypes"].append(DEGREE_TYPE)
    changed_sequence = json.loads(world.list_json)
    changed_sequence["credentialSubject"]["sequence"] = 7
    assert changed_did != original and changed_type != original

    for tampered in (changed_did, changed_type, changed_sequence):
        with pytest.raises(LommebokError.InvalidInput) as raised:
            world.pharmacy_trust.add(json.dumps(tampered), Verifier())
        assert "does not verify" in raised.value.reason, raised.value.reason

    [held] = world.pharmacy_trust.lists()
    assert held.contents.sequence == 1
    [issuer] = held.contents.issuers
    assert issuer.did == world.municipality.did()
    assert sorted(issuer.credential_types) == sorted([AGE_VCT, RESIDENCE_TYPE])
    # The pharmacy still refuses what the tampering would have let through.
    assert_trust_fails(
        world.pharmacy.verify_credential(residence(stranger, world.wallet.did())),
        "issuer not listed",
    )
    assert_trust_fails(
        world.pharmacy.verify_credential(
            residence(world.municipality, world.wallet.did(), kind=DEGREE_TYPE)
        ),
        "listed but not for this type",
    )


def test_a_list_signed_by_a_non_anchor_is_refused(world: World):
    stranger = ed25519_issuer()
    forged = stranger.issue_trust_list(
        TrustListContents(
            list_id=LIST_ID,
            sequence=9,
            issuers=[
                ListedIssuer(
                    did=stranger.did(), legal_name="Falsk kommune", credential_types=[AGE_VCT]
                )
            ],
            verifiers=[],
        )
    )
    with pytest.raises(LommebokError.InvalidInput) as raised:
        world.pharmacy_trust.add(forged, Verifier())
    assert "not a trust anchor" in raised.value.reason, raised.value.reason
    assert stranger.did() in raised.value.reason
    assert [l.contents.sequence for l in world.pharmacy_trust.lists()] == [1]
    assert world.pharmacy_trust.anchors() == [world.anchor.did()]
    assert_trust_fails(
        world.pharmacy.verify_credential(residence(stranger, world.wallet.did())),
        "issuer not listed",
    )


def test_an_unsigned_or_malformed_request_is_invalid_input(world: World):
    signed = world.signed()
    header, payload, _ = jws_parts(signed.request_object)
    none_header = dict(header, alg="none")
    alg_none = f"{b64url(json.dumps(none_header).encode())}.{signed.request_object.split('.')[1]}."
    unsigned_cases = {
        "alg none": alg_none,
        "alg none, no dot": alg_none[:-1],
        "empty": "",
        "garbage": "garbage",
        "three dots": "a.b.c",
        "json": json.dumps(payload),
        "truncated": signed.request_object[:40],
        "signature cut": signed.request_object[:-10],
    }
    for name, bad in unsigned_cases.items():
        with pytest.raises(LommebokError.InvalidInput):
            check_request(bad, world.wallet_trust)
            pytest.fail(f"{name} was accepted")
    with pytest.raises(LommebokError.InvalidInput) as raised:
        check_request(alg_none, world.wallet_trust)
    assert "not signed" in raised.value.reason, raised.value.reason
    # The genuine one still checks (nothing above was refused for another reason).
    assert check_request(signed.request_object, world.wallet_trust).acceptable()


def test_a_request_signed_by_another_key_is_invalid_input(world: World):
    signed = world.signed()
    header, payload, signature = jws_parts(signed.request_object)
    assert header["kid"].startswith(world.pharmacy_key.did())

    # The payload changed on the way (the answer redirected), the pharmacy's signature kept.
    redirected = dict(payload, response_uri="https://evil.example/collect")
    signed_header = signed.request_object.split(".")[0]
    tampered = f"{signed_header}.{b64url(json.dumps(redirected).encode())}.{signature}"
    with pytest.raises(LommebokError.InvalidInput) as raised:
        check_request(tampered, world.wallet_trust)
    assert "signature" in raised.value.reason, raised.value.reason

    # A look-alike signs the pharmacy's request with its own key under the pharmacy's kid.
    look_alike = ec.generate_private_key(ec.SECP256R1())
    forged = es256(look_alike, header, redirected)
    with pytest.raises(LommebokError.InvalidInput) as raised:
        check_request(forged, world.wallet_trust)
    assert "signature" in raised.value.reason, raised.value.reason

    # Or under its own kid, claiming to be the pharmacy.
    signer = P256KeystoreSigner()
    assert header["kid"] == f"{world.pharmacy_key.did()}#{world.pharmacy_key.did()[8:]}"
    own_kid = dict(header, kid=f"{signer.did()}#{signer.did()[8:]}")
    forged = es256(signer.private_key, own_kid, payload)
    with pytest.raises(LommebokError.InvalidInput) as raised:
        check_request(forged, world.wallet_trust)
    assert f"which is not a key of {world.pharmacy_key.did()}" in raised.value.reason, (
        raised.value.reason
    )

    # The way these were made is sound: re-signed by the right key under its kid, it checks.
    as_itself = dict(payload, client_id="decentralized_identifier:" + signer.did())
    resigned = es256(signer.private_key, own_kid, as_itself)
    check = check_request(resigned, world.wallet_trust)
    assert check.verifier_did() == signer.did() and not check.registered()
    assert activity(world.wallet) == []


def look_alike_request(world: World, signer: P256KeystoreSigner, query: str = AGE_QUERY):
    """A look-alike pharmacy with its own platform key, sending to the real response URI."""
    look_alike = trusting(world.pharmacy_trust)
    return look_alike, look_alike.signed_request_with_signer(signer, query, RESPONSE_URI)


def test_an_unregistered_look_alike_is_refused(world: World):
    age_id = world.give_age_credential()
    signer = P256KeystoreSigner()
    _, signed = look_alike_request(world, signer)
    assert signer.signed, "the request was signed by the platform key"

    check = check_request(signed.request_object, world.wallet_trust)
    assert not check.acceptable()
    assert not check.registered()
    assert check.registration() is None
    assert check.purpose() is None
    assert check.verifier_did() == signer.did()
    assert check.verifier_name() == f"unregistered verifier {signer.did()}"
    assert PHARMACY_NAME not in check.verifier_name()
    assert check.refusals() == ["the verifier is not registered"]

    answers = world.wallet.answers(check.query_json())
    assert [c.held_id for c in answers.default_choices] == [age_id]
    with pytest.raises(LommebokError.InvalidInput):
        world.wallet.present_to(check, answers.default_choices)
    assert activity(world.wallet) == []


def test_an_over_asking_pharmacy_is_refused(world: World):
    world.give_age_credential()
    signed = world.signed(query=age_query("age_over_18", "birthdate"))
    check = check_request(signed.request_object, world.wallet_trust)
    assert check.registered()
    assert check.verifier_name() == PHARMACY_NAME
    assert not check.acceptable()
    [ask] = check.over_asking()
    assert (ask.query_id, ask.claim) == ("age", "birthdate")
    [refusal] = check.refusals()
    assert refusal.startswith("the verifier asks for more than it is registered for")
    assert "birthdate" in refusal and "age_over_18" not in refusal, refusal

    answers = world.wallet.answers(check.query_json())
    assert answers.satisfiable  # the wallet could answer; the policy says it must not
    with pytest.raises(LommebokError.InvalidInput):
        world.wallet.present_to(check, answers.default_choices)
    assert activity(world.wallet) == []


def test_a_response_address_the_registration_does_not_name_is_refused(world: World):
    world.give_age_credential()
    elsewhere = "https://apotek-nord.example.evil/response"
    signed = world.signed(uri=elsewhere)
    check = check_request(signed.request_object, world.wallet_trust)
    assert check.registered() and check.verifier_name() == PHARMACY_NAME
    assert check.response_uri() == elsewhere
    assert not check.acceptable()
    assert check.refusals() == [
        f"the response would go to {elsewhere}, which the registration does not name"
    ]
    answers = world.wallet.answers(check.query_json())
    with pytest.raises(LommebokError.InvalidInput):
        world.wallet.present_to(check, answers.default_choices)
    assert activity(world.wallet) == []

    # Only with the danger option does the wallet send it there.
    allowed = check_request(
        signed.request_object,
        world.wallet_trust,
        RequestPolicy(danger_allow_unregistered_response_uri=True),
    )
    assert allowed.acceptable(), allowed.refusals()


def test_a_presentation_replayed_to_another_verifier_fails_its_domain_check(world: World):
    world.give_age_credential()
    signed = world.signed()
    sent = answer(world, check_request(signed.request_object, world.wallet_trust))

    # Someone who saw the answer hands it to another verifier (registered too, with its own
    # request): it was made for the pharmacy's audience.
    south_key = SoftwareKey.generate(KeyAlgorithm.P256)
    south = trusting(world.pharmacy_trust)
    south_signed = south.signed_request(south_key, AGE_QUERY, SOUTH_RESPONSE_URI)
    assert south_signed.request.domain != signed.request.domain
    [verified] = south.verify_response(
        south_signed.request, [ResponsePart.SD_JWT(sent, world.municipality_key())]
    )
    report = verified.report
    assert not report.valid, describe(report)
    assert verified.claims_json is None
    failed = {kind: reason for _, kind, reason in failures(report)}
    # Made for the pharmacy's audience, on the pharmacy's nonce: both show.
    assert set(failed) == {CheckKind.DOMAIN, CheckKind.CHALLENGE}, describe(report)
    assert south_signed.request.domain in failed[CheckKind.DOMAIN], failed[CheckKind.DOMAIN]
    assert signed.request.domain in failed[CheckKind.DOMAIN], failed[CheckKind.DOMAIN]
    assert trust_check(report).passed, describe(report)

    # The pharmacy it was made for accepts it, once.
    [verified] = world.pharmacy.verify_response(
        signed.request, [ResponsePart.SD_JWT(sent, world.municipality_key())]
    )
    assert_valid(verified.report)


# --- 3. the danger option --------------------------------------------------------------------


def test_danger_allow_unregistered_lets_the_look_alike_through_and_is_off_by_default(
    world: World,
):
    assert RequestPolicy().danger_allow_unregistered is False
    world.give_age_credential()
    signer = P256KeystoreSigner()
    look_alike, signed = look_alike_request(world, signer)

    # Off by default: without a policy, and with the default one.
    assert not check_request(signed.request_object, world.wallet_trust).acceptable()
    default = check_request(signed.request_object, world.wallet_trust, RequestPolicy())
    assert not default.acceptable()
    assert default.refusals() == ["the verifier is not registered"]

    check = check_request(
        signed.request_object, world.wallet_trust, RequestPolicy(danger_allow_unregistered=True)
    )
    assert check.acceptable(), check.refusals()
    assert not check.registered()
    assert check.verifier_name() == f"unregistered verifier {signer.did()}"
    sent = answer(world, check)
    [verified] = look_alike.verify_response(
        signed.request, [ResponsePart.SD_JWT(sent, world.municipality_key())]
    )
    assert_valid(verified.report)
    assert json.loads(verified.claims_json)["age_over_18"] is True
    [entry] = activity(world.wallet)
    assert entry.verifier == f"unregistered verifier {signer.did()}"


# --- 4. list versions ------------------------------------------------------------------------


def test_a_newer_list_replaces_the_older_and_a_rollback_is_refused(world: World):
    world.give_age_credential()
    south_key = SoftwareKey.generate(KeyAlgorithm.P256)
    south_signed = trusting(world.pharmacy_trust).signed_request(
        south_key, AGE_QUERY, SOUTH_RESPONSE_URI
    )
    assert not check_request(south_signed.request_object, world.wallet_trust).registered()

    newer = world.anchor.issue_trust_list(
        world.contents(
            sequence=2,
            verifiers=[
                pharmacy_registration(world.pharmacy_key.did()),
                pharmacy_registration(south_key.did(), SOUTH_NAME, SOUTH_RESPONSE_URI),
            ],
        )
    )
    info = world.wallet_trust.add(newer, Verifier())
    assert info.contents.sequence == 2
    assert [(l.contents.list_id, l.contents.sequence) for l in world.wallet_trust.lists()] == [
        (LIST_ID, 2)
    ]
    check = check_request(south_signed.request_object, world.wallet_trust)
    assert check.acceptable(), check.refusals()
    assert check.verifier_name() == SOUTH_NAME

    # The old list again (a rollback): refused, sequence 2 kept.
    with pytest.raises(LommebokError.InvalidInput) as raised:
        world.wallet_trust.add(world.list_json, Verifier())
    assert "not newer" in raised.value.reason, raised.value.reason
    # The same version again is not newer either.
    with pytest.raises(LommebokError.InvalidInput):
        world.wallet_trust.add(newer, Verifier())
    assert [l.contents.sequence for l in world.wallet_trust.lists()] == [2]
    assert check_request(south_signed.request_object, world.wallet_trust).acceptable()


# --- 5. garbage ------------------------------------------------------------------------------

GARBAGE = [
    "",
    "{not json",
    "null",
    "[]",
    '{"hello": "world"}',
    "\x00\xff",
    "💊" * 1000,
    "eyJhbGciOiJFUzI1NiJ9.eyJ9.AAAA",
    "." * 100,
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_to_trust_lists_add_and_check_request_is_invalid_input(world: World, garbage):
    with pytest.raises(LommebokError.InvalidInput):
        world.wallet_trust.add(garbage, Verifier())
    with pytest.raises(LommebokError.InvalidInput):
        check_request(garbage, world.wallet_trust)
    assert [l.contents.sequence for l in world.wallet_trust.lists()] == [1]


def test_a_credential_that_is_not_a_trust_list_is_not_added(world: World):
    # Signed by the anchor itself, but a residence credential.
    not_a_list = residence(world.anchor, world.wallet.did())
    with pytest.raises(LommebokError.InvalidInput) as raised:
        world.wallet_trust.add(not_a_list, Verifier())
    assert "not a trust list" in raised.value.reason, raised.value.reason
    assert [l.contents.sequence for l in world.wallet_trust.lists()] == [1]


def test_trust_lists_with_odd_anchors_do_not_crash(world: World):
    for anchors in ([], ["not a did"], ["", world.anchor.did()], ["💊"]):
        trust = TrustLists(anchors)
        assert sorted(trust.anchors()) == sorted(set(anchors))
        check = check_request(world.signed().request_object, trust)
        if world.anchor.did() not in anchors:
            with pytest.raises(LommebokError.InvalidInput):
                trust.add(world.list_json, Verifier())
            assert not check.registered()


def test_garbage_policy_time_is_invalid_input(world: World):
    signed = world.signed()
    for bad in ("", "now", "2026-01-01", "2026-13-01T00:00:00Z"):
        with pytest.raises(LommebokError.InvalidInput):
            check_request(signed.request_object, world.wallet_trust, RequestPolicy(at_time=bad))


NOT_DIDS = ["", "not-a-did", "did:", "did:key:", "💊"]
BAD_DATES = ["", "yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z"]


def bad_did_contents(world: World, bad: str, where: str) -> TrustListContents:
    if where == "issuer":
        entry = ListedIssuer(did=bad, legal_name="X", credential_types=[AGE_VCT])
        return TrustListContents(list_id=LIST_ID, sequence=2, issuers=[entry], verifiers=[])
    return world.contents(sequence=2, verifiers=[pharmacy_registration(bad)])


@pytest.mark.parametrize("where", ["issuer", "verifier"])
@pytest.mark.parametrize("bad", NOT_DIDS + ["did:key:zzzz"])
def test_a_list_naming_a_bad_did_is_never_held(world: World, bad: str, where: str):
    """Never a crash, and never a list held that names something that is not a DID: refused
    when it is issued, or else when it is added."""
    try:
        list_json = world.anchor.issue_trust_list(bad_did_contents(world, bad, where))
    except LommebokError.InvalidInput:
        return
    if bad == "did:key:zzzz":
        # A DID by its syntax (though no did:key decodes from it): listed, and harmless,
        # since no key of it can sign.
        world.wallet_trust.add(list_json, Verifier())
        return
    with pytest.raises(LommebokError.InvalidInput) as raised:
        world.wallet_trust.add(list_json, Verifier())
    assert "not a trust list" in raised.value.reason, raised.value.reason
    assert [l.contents.sequence for l in world.wallet_trust.lists()] == [1]


@pytest.mark.parametrize("where", ["issuer", "verifier"])
def test_issue_trust_list_refuses_what_is_not_a_did(world: World, where: str):
    with pytest.raises(LommebokError.InvalidInput):
        world.anchor.issue_trust_list(bad_did_contents(world, "not-a-did", where))


@pytest.mark.parametrize("bad", BAD_DATES)
def test_issue_trust_list_refuses_bad_dates(world: World, bad: str):
    with pytest.raises(LommebokError.InvalidInput):
        world.anchor.issue_trust_list(world.contents(), valid_until=bad)
    entry = ListedIssuer(
        did=world.municipality.did(), legal_name="X", credential_types=[AGE_VCT], valid_from=bad
    )
    with pytest.raises(LommebokError.InvalidInput):
        world.anchor.issue_trust_list(
            TrustListContents(list_id=LIST_ID, sequence=1, issuers=[entry], verifiers=[])
        )
    registration = pharmacy_registration(world.pharmacy_key.did())
    registration.valid_until = bad
    with pytest.raises(LommebokError.InvalidInput):
        world.anchor.issue_trust_list(world.contents(verifiers=[registration]))
