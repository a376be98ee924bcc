"""The persistent wallet (`HolderWallet`), as a wallet app uses it: an encrypted SQLite file
opened with the citizen's passphrase (or a platform key), credentials checked before they are
kept, a verifier's DCQL query answered with the minimum, and the activity log. Each test checks
what the verifier receives, not only what the wallet says about itself."""

from __future__ import annotations

import gc
import json

import pytest
from lommebok import (
    CheckKind,
    Choice,
    CredentialFormat,
    HolderWallet,
    ImportResult,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    ResponsePart,
    SdJwtIssuer,
    SdJwtOptions,
    SoftwareKey,
    StoreKey,
    Verifier,
)

from support import (
    PHARMACY,
    P256KeystoreSigner,
    assert_valid,
    describe,
    failures,
    residence_credential,
)

PHARMACY_AUD = "https://apotek.example"
PHARMACY_NAME = "Apotek Nord"
AGE_VCT = "urn:example:age"
RESIDENCE_TYPE = "ExampleResidenceCredential"
# The examples context's @vocab expands the type to this IRI (OpenID4VP B.1.1 wants IRIs).
RESIDENCE_IRI = "https://www.w3.org/ns/credentials/examples#ExampleResidenceCredential"

AGE_CLAIMS = {"given_name": "Kari", "birthdate": "1990-02-03", "age_over_18": True}
AGE_DISCLOSABLE = ["given_name", "birthdate", "age_over_18"]
RESIDENCE_CLAIMS = {
    "credentialSubject.id",
    "credentialSubject.name",
    "credentialSubject.address",
}

AGE_QUERY = json.dumps(
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

# Either over 18, or (the verifier's second choice) the birthdate with the name.
CLAIM_SETS_QUERY = json.dumps(
    {
        "credentials": [
            {
                "id": "age",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [AGE_VCT]},
                "claims": [
                    {"id": "over18", "path": ["age_over_18"]},
                    {"id": "born", "path": ["birthdate"]},
                    {"id": "name", "path": ["given_name"]},
                ],
                "claim_sets": [["over18"], ["born", "name"]],
            }
        ]
    }
)

BOTH_QUERY = json.dumps(
    {
        "credentials": json.loads(AGE_QUERY)["credentials"]
        + json.loads(RESIDENCE_QUERY)["credentials"]
    }
)


# --- helpers ---------------------------------------------------------------------------------


def passphrase(text: str = "correct horse battery staple") -> StoreKey:
    return StoreKey.PASSPHRASE(text)


def open_store(path, key: StoreKey | None = None, **options) -> HolderWallet:
    return HolderWallet.open(str(path), key if key is not None else passphrase(), **options)


def residence(issuer: Issuer, holder_did: str) -> str:
    """A residence credential (Data Integrity) issued to `holder_did`."""
    return issuer.issue(
        residence_credential(
            issuer.did(), holder_did, type=["VerifiableCredential", RESIDENCE_TYPE]
        )
    )


def age_sd_jwt(issuer: Issuer, holder_key_jwk: str) -> str:
    """An SD-JWT VC with every claim selectively disclosable, bound to `holder_key_jwk`."""
    return issuer.issue_sd_jwt(
        json.dumps(AGE_CLAIMS),
        AGE_DISCLOSABLE,
        SdJwtOptions(vct=AGE_VCT, holder_key_jwk=holder_key_jwk),
    )


def issuer_key(issuer: Issuer) -> SdJwtIssuer:
    return SdJwtIssuer.DID_URL(issuer.verification_method())


def imported(result: ImportResult):
    """The summary of an imported credential; fails the test when it was refused."""
    if result.is_refused():
        report = describe(result.report) if result.report is not None else "no report"
        raise AssertionError(f"refused: {result.reason}\n{report}")
    return result.credential


def import_both(wallet: HolderWallet, issuer: Issuer, verifier: Verifier) -> tuple[str, str]:
    """Issues and imports a residence credential and an age SD-JWT; their held ids."""
    held = imported(wallet.import_credential(residence(issuer, wallet.did()), verifier))
    assert held.format == CredentialFormat.DATA_INTEGRITY
    age = imported(
        wallet.import_credential(age_sd_jwt(issuer, wallet.public_key_jwk()), verifier, issuer_key(issuer))
    )
    assert age.format == CredentialFormat.SD_JWT
    assert age.types == [AGE_VCT]
    return held.id, age.id


def held_ids(wallet: HolderWallet) -> list[str]:
    listing = wallet.list()
    assert listing.damaged == [], listing.damaged
    return [c.id for c in listing.credentials]


def activity_count(wallet: HolderWallet) -> int:
    log = wallet.activity()
    assert log.damaged == [], log.damaged
    return len(log.entries)


def verifier_claims(verifier: Verifier, issuer: Issuer, presentation: str, request) -> dict:
    """What the verifier learns from an SD-JWT presentation; fails unless it verifies."""
    verification = verifier.verify_sd_jwt(presentation, issuer_key(issuer), request)
    assert_valid(verification.report)
    assert verification.claims_json is not None
    return json.loads(verification.claims_json)


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "wallet.sqlite"


@pytest.fixture
def filled(store_path, plain_issuer: Issuer, pharmacy: Verifier):
    """A wallet (software key, raw store key) holding a residence credential and an age SD-JWT;
    (wallet, residence id, age id)."""
    wallet = open_store(store_path, StoreKey.KEY(bytes(range(32))))
    residence_id, age_id = import_both(wallet, plain_issuer, pharmacy)
    return wallet, residence_id, age_id


# --- 1. the app's flow -----------------------------------------------------------------------


def test_an_app_imports_reopens_and_shows_the_pharmacy_only_age_over_18(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet = open_store(store_path)
    assert wallet.has_software_key()
    did, jwk = wallet.did(), wallet.public_key_jwk()
    assert did.startswith("did:key:z")
    residence_id, age_id = import_both(wallet, plain_issuer, pharmacy)

    # The app is closed and opened again: the same holder, the same credentials.
    del wallet
    gc.collect()
    wallet = open_store(store_path)
    assert (wallet.did(), wallet.public_key_jwk()) == (did, jwk)
    assert sorted(held_ids(wallet)) == sorted([residence_id, age_id])

    # The consent screen: only the SD-JWT answers, and only age_over_18 would be disclosed.
    answers = wallet.answers(AGE_QUERY)
    assert answers.satisfiable
    [query] = answers.queries
    assert query.query_id == "age"
    assert [c.credential.id for c in query.candidates] == [age_id]
    [way] = query.candidates[0].ways
    assert way.claim_set is None
    assert way.requested == ["age_over_18"]
    assert way.released.is_disclosed(), str(way.released)
    assert way.released.claims == ["age_over_18"]
    for hidden in ("birthdate", "given_name"):
        assert hidden not in way.released.always_visible, str(way.released)
    assert [(c.query_id, c.held_id, c.claim_set) for c in answers.default_choices] == [
        ("age", age_id, None)
    ]

    request = pharmacy.request(PHARMACY_AUD)
    made = wallet.present(AGE_QUERY, answers.default_choices, request, PHARMACY_NAME)
    [presented] = made.presentations
    assert (presented.query_id, presented.held_id, presented.format) == (
        "age",
        age_id,
        CredentialFormat.SD_JWT,
    )
    # What is sent is the vp_token: verify that, as the pharmacy receives it.
    vp_token = json.loads(made.vp_token)
    assert list(vp_token) == ["age"]
    [sent] = vp_token["age"]
    assert sent == presented.presentation
    claims = verifier_claims(pharmacy, plain_issuer, sent, request)
    assert claims["age_over_18"] is True
    assert claims["vct"] == AGE_VCT
    for hidden in ("birthdate", "given_name"):
        assert hidden not in claims, claims

    # The activity log says what left the phone, and to whom.
    log = wallet.activity()
    assert log.damaged == []
    [entry] = log.entries
    assert entry.id == presented.activity_id
    assert entry.verifier == PHARMACY_NAME
    assert entry.domain == PHARMACY_AUD
    assert (entry.query_id, entry.credential_id, entry.format) == (
        "age",
        age_id,
        CredentialFormat.SD_JWT,
    )
    assert entry.credential_types == [AGE_VCT]
    assert entry.issuer == plain_issuer.did()
    assert entry.released.is_disclosed(), str(entry.released)
    assert entry.released.claims == ["age_over_18"]
    assert entry.released == way.released

    [exported] = json.loads(wallet.activity_json())
    assert exported["id"] == presented.activity_id
    assert exported["verifier"] == PHARMACY_NAME
    assert exported["credentialId"] == age_id
    assert exported["released"]["claims"] == ["age_over_18"]

    # The log is kept in the file too.
    del wallet
    gc.collect()
    assert [e.id for e in open_store(store_path).activity().entries] == [entry.id]


# --- 2. a Data Integrity answer --------------------------------------------------------------


def test_a_data_integrity_answer_releases_the_whole_credential_and_cannot_be_replayed(
    filled, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet, residence_id, _ = filled
    answers = wallet.answers(RESIDENCE_QUERY)
    assert answers.satisfiable
    [query] = answers.queries
    assert [c.credential.id for c in query.candidates] == [residence_id]
    candidate = query.candidates[0]
    assert RESIDENCE_TYPE in candidate.credential.types
    assert candidate.credential.issuer == plain_issuer.did()
    [way] = candidate.ways
    assert way.requested == ["credentialSubject.address"]
    # Signed whole: the consent screen must say every claim leaves, not only the address.
    assert way.released.is_whole_credential(), str(way.released)
    assert set(way.released.claims) == RESIDENCE_CLAIMS

    request = pharmacy.request(PHARMACY)
    made = wallet.present(RESIDENCE_QUERY, answers.default_choices, request, PHARMACY_NAME)
    [presented] = made.presentations
    assert presented.format == CredentialFormat.DATA_INTEGRITY
    [sent] = json.loads(made.vp_token)["residence"]
    assert sent == json.loads(presented.presentation)
    assert sent["holder"] == wallet.did()
    assert sent["verifiableCredential"][0]["credentialSubject"]["name"] == "Kari Nordmann"

    vp = json.dumps(sent)
    report = pharmacy.verify_presentation(vp, request)
    assert_valid(report)

    # The same presentation again: the challenge was used up.
    replayed = pharmacy.verify_presentation(vp, request)
    assert not replayed.valid, describe(replayed)
    assert CheckKind.CHALLENGE in {kind for _, kind, _ in failures(replayed)}, describe(replayed)

    [entry] = wallet.activity().entries
    assert entry.credential_id == residence_id
    assert entry.domain == PHARMACY
    assert entry.released.is_whole_credential(), str(entry.released)
    assert set(entry.released.claims) == RESIDENCE_CLAIMS


# --- 3. choices ------------------------------------------------------------------------------


def test_the_second_claim_set_can_be_chosen_and_discloses_what_it_names(
    filled, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet, _, age_id = filled
    answers = wallet.answers(CLAIM_SETS_QUERY)
    assert answers.satisfiable
    [candidate] = answers.queries[0].candidates
    assert candidate.credential.id == age_id
    # Both ways, the verifier's preferred first.
    assert [w.claim_set for w in candidate.ways] == [0, 1]
    first, second = candidate.ways
    assert first.released.claims == ["age_over_18"]
    assert sorted(second.released.claims) == ["birthdate", "given_name"]
    assert [c.claim_set for c in answers.default_choices] == [0]

    request = pharmacy.request(PHARMACY_AUD)
    choice = Choice(query_id="age", held_id=age_id, claim_set=1)
    made = wallet.present(CLAIM_SETS_QUERY, [choice], request, PHARMACY_NAME)
    [sent] = json.loads(made.vp_token)["age"]
    claims = verifier_claims(pharmacy, plain_issuer, sent, request)
    assert (claims["birthdate"], claims["given_name"]) == ("1990-02-03", "Kari")
    assert "age_over_18" not in claims, claims

    [entry] = wallet.activity().entries
    assert sorted(entry.released.claims) == ["birthdate", "given_name"]


def test_two_credential_queries_are_answered_together(
    filled, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet, residence_id, age_id = filled
    answers = wallet.answers(BOTH_QUERY)
    assert answers.satisfiable
    assert [q.query_id for q in answers.queries] == ["age", "residence"]
    assert [[c.credential.id for c in q.candidates] for q in answers.queries] == [
        [age_id],
        [residence_id],
    ]
    assert [(c.query_id, c.held_id) for c in answers.default_choices] == [
        ("age", age_id),
        ("residence", residence_id),
    ]

    def respond():
        request = pharmacy.request(PHARMACY_AUD)
        made = wallet.present(BOTH_QUERY, answers.default_choices, request, PHARMACY_NAME)
        vp_token = json.loads(made.vp_token)
        assert sorted(vp_token) == ["age", "residence"]
        assert [(p.query_id, p.held_id) for p in made.presentations] == [
            ("age", age_id),
            ("residence", residence_id),
        ]
        return request, made, vp_token

    # The verifier's challenge is single use, so each presentation is checked in its own round
    # (see test_one_response_with_two_presentations_verifies_on_its_one_request).
    request, first, vp_token = respond()
    claims = verifier_claims(pharmacy, plain_issuer, vp_token["age"][0], request)
    assert claims["age_over_18"] is True and "birthdate" not in claims, claims
    request, second, vp_token = respond()
    vp = vp_token["residence"][0]
    assert vp["proof"]["challenge"] == request.challenge
    assert_valid(pharmacy.verify_presentation(json.dumps(vp), request))

    log = wallet.activity().entries
    assert sorted((e.query_id, e.credential_id) for e in log) == sorted(
        [("age", age_id), ("residence", residence_id)] * 2
    )
    made_ids = {p.activity_id for p in first.presentations + second.presentations}
    assert {e.id for e in log} == made_ids and len(made_ids) == 4


def test_one_response_with_two_presentations_verifies_on_its_one_request(
    filled, plain_issuer: Issuer, pharmacy: Verifier
):
    """A vp_token answering two Credential Queries carries two presentations on the request's
    one nonce: `verify_response` checks them together, consuming the nonce once; the same
    response again is a replay."""
    wallet, _, _ = filled
    request = pharmacy.request(PHARMACY_AUD)
    answers = wallet.answers(BOTH_QUERY)
    vp_token = json.loads(
        wallet.present(BOTH_QUERY, answers.default_choices, request, PHARMACY_NAME).vp_token
    )
    parts = [
        ResponsePart.SD_JWT(vp_token["age"][0], issuer_key(plain_issuer)),
        ResponsePart.DATA_INTEGRITY(json.dumps(vp_token["residence"][0])),
    ]
    checked = pharmacy.verify_response(request, parts)
    assert len(checked) == 2
    for part in checked:
        assert_valid(part.report)
    claims = json.loads(checked[0].claims_json)
    assert claims["age_over_18"] is True and "birthdate" not in claims, claims
    assert checked[1].claims_json is None
    for part in pharmacy.verify_response(request, parts):
        assert CheckKind.CHALLENGE in [check for _, check, _ in failures(part.report)], describe(
            part.report
        )


@pytest.mark.parametrize(
    "case",
    [
        "held id unknown",
        "held id of a credential that does not answer",
        "a query left unanswered",
        "a query id not in the query",
        "a claim set out of range",
        "no choice at all",
    ],
)
def test_choices_that_do_not_answer_are_refused_and_leave_no_trace(
    filled, pharmacy: Verifier, case: str
):
    wallet, residence_id, age_id = filled
    query, choices = {
        "held id unknown": (AGE_QUERY, [Choice(query_id="age", held_id="no-such-id")]),
        "held id of a credential that does not answer": (
            AGE_QUERY,
            [Choice(query_id="age", held_id=residence_id)],
        ),
        "a query left unanswered": (BOTH_QUERY, [Choice(query_id="age", held_id=age_id)]),
        "a query id not in the query": (
            AGE_QUERY,
            [Choice(query_id="age", held_id=age_id), Choice(query_id="x", held_id=age_id)],
        ),
        "a claim set out of range": (
            CLAIM_SETS_QUERY,
            [Choice(query_id="age", held_id=age_id, claim_set=2)],
        ),
        "no choice at all": (AGE_QUERY, []),
    }[case]
    with pytest.raises(LommebokError.InvalidInput):
        wallet.present(query, choices, pharmacy.request(PHARMACY_AUD), PHARMACY_NAME)
    assert activity_count(wallet) == 0
    assert json.loads(wallet.activity_json()) == []


@pytest.mark.parametrize("query", ["", "{not json", "[]", "{}", '{"credentials": []}'])
def test_a_query_that_is_not_dcql_is_invalid_input(filled, pharmacy: Verifier, query: str):
    wallet, _, age_id = filled
    with pytest.raises(LommebokError.InvalidInput):
        wallet.answers(query)
    with pytest.raises(LommebokError.InvalidInput):
        wallet.present(
            query,
            [Choice(query_id="age", held_id=age_id)],
            pharmacy.request(PHARMACY_AUD),
            PHARMACY_NAME,
        )
    assert activity_count(wallet) == 0


# --- 4. opening the store --------------------------------------------------------------------


def test_a_wrong_passphrase_is_wrong_key_and_the_right_one_still_opens(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet = open_store(store_path, passphrase("right"))
    did = wallet.did()
    residence_id, age_id = import_both(wallet, plain_issuer, pharmacy)
    del wallet
    gc.collect()
    before = store_path.read_bytes()

    with pytest.raises(LommebokError.WrongKey):
        open_store(store_path, passphrase("wrong"))
    with pytest.raises(LommebokError.WrongKey):
        open_store(store_path, passphrase(""))
    with pytest.raises(LommebokError.WrongKey):
        open_store(store_path, StoreKey.KEY(bytes(32)))
    assert store_path.read_bytes() == before, "a wrong key changed the store"

    wallet = open_store(store_path, passphrase("right"))
    assert wallet.did() == did
    assert sorted(held_ids(wallet)) == sorted([residence_id, age_id])
    assert wallet.answers(AGE_QUERY).satisfiable


def test_a_raw_store_key_must_be_32_bytes(store_path):
    for length in (0, 31, 33):
        with pytest.raises(LommebokError.InvalidInput):
            open_store(store_path, StoreKey.KEY(bytes(length)))
    assert not store_path.exists(), "a refused key left a file behind"
    wallet = open_store(store_path, StoreKey.KEY(b"\x07" * 32))
    did = wallet.did()
    del wallet
    gc.collect()
    assert open_store(store_path, StoreKey.KEY(b"\x07" * 32)).did() == did
    with pytest.raises(LommebokError.WrongKey):
        open_store(store_path, StoreKey.KEY(b"\x08" * 32))


def test_a_file_that_is_not_a_wallet_store_is_a_storage_error(tmp_path):
    path = tmp_path / "notes.txt"
    text = b"this is not a database, just some text long enough to look like a file\n" * 20
    path.write_bytes(text)
    with pytest.raises(LommebokError.Storage):
        open_store(path)
    assert path.read_bytes() == text, "opening changed a file that is not a store"


def test_a_folder_that_does_not_exist_is_a_storage_error(tmp_path):
    with pytest.raises(LommebokError.Storage):
        open_store(tmp_path / "no-such-folder" / "wallet.sqlite")


# --- 5. import refusals ----------------------------------------------------------------------


def test_a_forged_credential_is_refused_with_its_report_and_not_kept(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet = open_store(store_path, StoreKey.KEY(bytes(range(32))))
    forged = json.loads(residence(plain_issuer, wallet.did()))
    forged["credentialSubject"]["address"] = "Slottsplassen 1, 0010 Oslo"
    result = wallet.import_credential(json.dumps(forged), pharmacy)
    assert result.is_refused(), str(result)
    assert result.reason
    assert result.report is not None
    assert not result.report.valid, describe(result.report)
    assert CheckKind.PROOF in {kind for _, kind, _ in failures(result.report)}, describe(
        result.report
    )

    # A tampered SD-JWT: a disclosure the issuer did not sign is appended.
    sd_jwt = age_sd_jwt(plain_issuer, wallet.public_key_jwk())
    jws, *disclosures = sd_jwt.split("~")
    tampered = "~".join([jws, *disclosures[:-1], "WyJzYWx0IiwiZ2l2ZW5fbmFtZSIsIk9sYSJd", ""])
    result = wallet.import_credential(tampered, pharmacy, issuer_key(plain_issuer))
    assert result.is_refused(), str(result)
    assert result.report is not None and not result.report.valid, describe(result.report)

    # Signed by another issuer than the one trusted.
    other = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    result = wallet.import_credential(sd_jwt, pharmacy, issuer_key(other))
    assert result.is_refused(), str(result)
    assert result.report is not None and not result.report.valid, describe(result.report)

    assert held_ids(wallet) == []


def test_someone_elses_credential_is_refused_without_a_report(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet = open_store(store_path, StoreKey.KEY(bytes(range(32))))
    someone = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))  # only for its key and DID
    theirs = residence(plain_issuer, someone.did())
    assert_valid(pharmacy.verify_credential(theirs))  # genuine, just not ours
    result = wallet.import_credential(theirs, pharmacy)
    assert result.is_refused(), str(result)
    assert result.report is None
    assert result.reason

    their_sd_jwt = age_sd_jwt(plain_issuer, someone.public_key_jwk())
    result = wallet.import_credential(their_sd_jwt, pharmacy, issuer_key(plain_issuer))
    assert result.is_refused(), str(result)
    assert result.report is None

    assert held_ids(wallet) == []
    assert not wallet.answers(AGE_QUERY).satisfiable


DEEP = 100_000
GARBAGE = {
    "empty": "",
    "not JSON": "{not json",
    "null": "null",
    "array": "[]",
    "an object that is no credential": '{"hello": "world"}',
    "binary": "\x00\xff",
    "emoji": "💳" * 1000,
    "a lone tilde": "~",
    "three dots": "..~",
    "huge JSON": '{"a": "' + "x" * (4 << 20) + '"}',
    "huge SD-JWT-like": "e" * (4 << 20) + "~",
    "deeply nested object": '{"a":' * DEEP + "1" + "}" * DEEP,
    "deeply nested array": "[" * DEEP + "]" * DEEP,
    "deeply nested credential subject": (
        '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": '
        '["VerifiableCredential"], "issuer": "did:example:x", "credentialSubject": '
        + '{"a":' * DEEP
        + "1"
        + "}" * DEEP
        + "}"
    ),
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_to_import_is_invalid_input_and_nothing_is_kept(
    filled, plain_issuer: Issuer, pharmacy: Verifier, garbage: str
):
    wallet, residence_id, age_id = filled
    with pytest.raises(LommebokError.InvalidInput):
        wallet.import_credential(garbage, pharmacy, issuer_key(plain_issuer))
    assert sorted(held_ids(wallet)) == sorted([residence_id, age_id])


def test_an_sd_jwt_without_its_issuer_key_is_invalid_input(filled, plain_issuer, pharmacy):
    wallet, residence_id, age_id = filled
    with pytest.raises(LommebokError.InvalidInput):
        wallet.import_credential(age_sd_jwt(plain_issuer, wallet.public_key_jwk()), pharmacy)
    assert sorted(held_ids(wallet)) == sorted([residence_id, age_id])


# --- 6. a platform key -----------------------------------------------------------------------


def test_a_platform_key_holds_presents_and_must_come_back(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    signer = P256KeystoreSigner()
    wallet = open_store(store_path, signer=signer)
    assert not wallet.has_software_key()
    assert wallet.did() == signer.did()
    jwk = json.loads(wallet.public_key_jwk())
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")
    residence_id, age_id = import_both(wallet, plain_issuer, pharmacy)
    assert not signer.signed, "importing does not sign"

    request = pharmacy.request(PHARMACY_AUD)
    answers = wallet.answers(BOTH_QUERY)
    made = wallet.present(BOTH_QUERY, answers.default_choices, request, PHARMACY_NAME)
    assert len(signer.signed) == 2, "the platform key signs the KB-JWT and the VP"
    vp_token = json.loads(made.vp_token)
    claims = verifier_claims(pharmacy, plain_issuer, vp_token["age"][0], request)
    assert claims["age_over_18"] is True
    vp = vp_token["residence"][0]
    assert vp["holder"] == signer.did()
    assert vp["proof"]["verificationMethod"].startswith(signer.did() + "#")

    del wallet
    gc.collect()
    # Without the platform key the store does not open: it would present with another key.
    with pytest.raises(LommebokError.InvalidInput):
        open_store(store_path)
    with pytest.raises(LommebokError.InvalidInput):
        open_store(store_path, signer=P256KeystoreSigner())
    # With it, all is there.
    wallet = open_store(store_path, signer=signer)
    assert wallet.did() == signer.did()
    assert sorted(held_ids(wallet)) == sorted([residence_id, age_id])
    assert activity_count(wallet) == 2


def test_the_presentation_of_a_platform_key_wallet_verifies_alone(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    signer = P256KeystoreSigner()
    wallet = open_store(store_path, signer=signer)
    import_both(wallet, plain_issuer, pharmacy)
    request = pharmacy.request(PHARMACY)
    answers = wallet.answers(RESIDENCE_QUERY)
    made = wallet.present(RESIDENCE_QUERY, answers.default_choices, request, PHARMACY_NAME)
    assert_valid(pharmacy.verify_presentation(made.presentations[0].presentation, request))
    assert len(signer.signed) == 1


def test_a_software_key_store_opened_with_a_platform_key_is_refused(store_path):
    did = open_store(store_path).did()
    gc.collect()
    with pytest.raises(LommebokError.InvalidInput):
        open_store(store_path, signer=P256KeystoreSigner())
    assert open_store(store_path).did() == did


# --- 7. export and delete --------------------------------------------------------------------


def test_export_gives_back_what_was_issued_and_delete_removes_it(
    store_path, plain_issuer: Issuer, pharmacy: Verifier
):
    wallet = open_store(store_path, StoreKey.KEY(bytes(range(32))))
    issued_residence = residence(plain_issuer, wallet.did())
    issued_age = age_sd_jwt(plain_issuer, wallet.public_key_jwk())
    residence_id = imported(wallet.import_credential(issued_residence, pharmacy)).id
    age_id = imported(wallet.import_credential(issued_age, pharmacy, issuer_key(plain_issuer))).id
    assert residence_id != age_id

    assert wallet.export(residence_id) == issued_residence
    assert wallet.export(age_id) == issued_age  # with every disclosure
    assert_valid(pharmacy.verify_credential(wallet.export(residence_id)))

    # A presentation first: the activity entry outlives the credential.
    request = pharmacy.request(PHARMACY_AUD)
    wallet.present(AGE_QUERY, wallet.answers(AGE_QUERY).default_choices, request, PHARMACY_NAME)

    assert wallet.delete(age_id) is True
    assert held_ids(wallet) == [residence_id]
    assert wallet.delete(age_id) is False
    with pytest.raises(LommebokError.InvalidInput):
        wallet.export(age_id)
    answers = wallet.answers(AGE_QUERY)
    assert not answers.satisfiable
    assert answers.queries[0].candidates == []
    assert answers.default_choices == []
    with pytest.raises(LommebokError.InvalidInput):
        wallet.present(
            AGE_QUERY,
            [Choice(query_id="age", held_id=age_id)],
            pharmacy.request(PHARMACY_AUD),
            PHARMACY_NAME,
        )
    [entry] = wallet.activity().entries
    assert entry.credential_id == age_id

    # Deleted for good: not back after reopening.
    del wallet
    gc.collect()
    wallet = open_store(store_path, StoreKey.KEY(bytes(range(32))))
    assert held_ids(wallet) == [residence_id]
    assert wallet.delete(residence_id) is True
    assert held_ids(wallet) == []
    assert wallet.delete("no-such-id") is False
    assert activity_count(wallet) == 1
