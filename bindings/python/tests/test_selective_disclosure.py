"""Selective disclosure with `ecdsa-sd-2023` (Data Integrity): a municipality issues a residence
credential with a base proof, the holder's wallet presents a credential derived from it that
discloses only what the verifier asks for and the issuer's mandatory claims. Each test checks
what the verifier receives (the VP's JSON and its report), not only what the wallet says."""

from __future__ import annotations

import json

import pytest
from lommebok import (
    CheckKind,
    CredentialFormat,
    Cryptosuite,
    HolderWallet,
    Issuer,
    KeyAlgorithm,
    LommebokError,
    SoftwareKey,
    StoreKey,
    Verifier,
    Wallet,
)

from support import CONTEXTS, assert_valid, describe, failures

PHARMACY_AUD = "https://apotek.example"
PHARMACY_NAME = "Apotek Nord"
RESIDENCE_TYPE = "ExampleResidenceCredential"
# The examples context's @vocab expands the type to this IRI (OpenID4VP B.1.1 wants IRIs).
RESIDENCE_IRI = "https://www.w3.org/ns/credentials/examples#ExampleResidenceCredential"
MANDATORY_POINTERS = ["/credentialSubject/municipality"]

SUBJECT = {
    "name": "Kari Nordmann",
    "birthDate": "1990-05-17",
    "municipality": "Tromsø",
    "address": "Storgata 1, 9008 Tromsø",
}


def birth_date_query(type_value: str = RESIDENCE_IRI) -> str:
    return json.dumps(
        {
            "credentials": [
                {
                    "id": "residence",
                    "format": "ldp_vc",
                    "meta": {"type_values": [[type_value]]},
                    "claims": [{"path": ["credentialSubject", "birthDate"]}],
                }
            ]
        }
    )


# --- helpers ---------------------------------------------------------------------------------


def municipality() -> Issuer:
    """The municipality: a P-256 key, ecdsa-sd-2023, the municipality claim mandatory."""
    return (
        Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
        .with_cryptosuite(Cryptosuite.ECDSA_SD2023)
        .with_mandatory_pointers(MANDATORY_POINTERS)
    )


def residence(issuer: Issuer, holder_did: str) -> str:
    """A residence credential about `holder_did`, with an ecdsa-sd-2023 base proof."""
    unsigned = {
        "@context": CONTEXTS,
        "type": ["VerifiableCredential", RESIDENCE_TYPE],
        "issuer": issuer.did(),
        "credentialSubject": {"id": holder_did, **SUBJECT},
    }
    return issuer.issue(json.dumps(unsigned))


def presented_credential(vp_json: str) -> dict:
    """The one credential in a VP, as the verifier receives it."""
    vp = json.loads(vp_json)
    credentials = vp["verifiableCredential"]
    if isinstance(credentials, dict):
        credentials = [credentials]
    assert len(credentials) == 1, vp
    return credentials[0]


def failed_checks(report, kind: CheckKind) -> list[tuple[str, str]]:
    return [(target, reason) for target, k, reason in failures(report) if k == kind]


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "wallet.sqlite"


# --- 1. the persistent wallet answers a DCQL query with a derived credential -------------------


def test_holder_wallet_discloses_only_birth_date_and_mandatory_claims(store_path):
    issuer = municipality()
    verifier = Verifier()
    wallet = HolderWallet.open(str(store_path), StoreKey.PASSPHRASE("korrekt hest"))
    issued = residence(issuer, wallet.did())
    assert json.loads(issued)["proof"]["cryptosuite"] == "ecdsa-sd-2023"

    result = wallet.import_credential(issued, verifier)
    assert result.is_imported(), f"{result.reason}: {describe(result.report) if result.report else ''}"
    held = result.credential
    assert held.format == CredentialFormat.DATA_INTEGRITY
    assert held.issuer == issuer.did()

    # The consent screen: birthDate, and the mandatory claims (municipality among them).
    query = birth_date_query()
    answers = wallet.answers(query)
    assert answers.satisfiable
    [answer] = answers.queries
    [candidate] = answer.candidates
    assert candidate.credential.id == held.id
    [way] = candidate.ways
    assert way.released.is_selective(), str(way.released)
    assert way.released.disclosed == ["credentialSubject.birthDate"]
    assert way.released.mandatory == [
        "credentialSubject.id",
        "credentialSubject.municipality",
        "issuer",
        "type",
    ]
    for hidden in ("credentialSubject.name", "credentialSubject.address"):
        assert hidden not in way.released.disclosed + way.released.mandatory

    request = verifier.request(PHARMACY_AUD)
    made = wallet.present(query, answers.default_choices, request, PHARMACY_NAME)
    [presented] = made.presentations
    assert (presented.query_id, presented.held_id) == ("residence", held.id)
    [sent] = json.loads(made.vp_token)["residence"]
    sent_json = sent if isinstance(sent, str) else json.dumps(sent)

    # What the pharmacy receives: a valid VP whose credential holds only what was released.
    assert_valid(verifier.verify_presentation(sent_json, request))
    credential = presented_credential(sent_json)
    assert credential["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    assert credential["issuer"] == issuer.did()
    assert credential["type"] == ["VerifiableCredential", RESIDENCE_TYPE]
    assert credential["credentialSubject"] == {
        "id": wallet.did(),
        "birthDate": SUBJECT["birthDate"],
        "municipality": SUBJECT["municipality"],
    }
    for hidden in ("Kari", "Nordmann", "Storgata"):
        assert hidden not in sent_json, f"{hidden} left the phone"

    # The log records the selective release, to whom, of which credential.
    log = wallet.activity()
    assert log.damaged == []
    [entry] = log.entries
    assert entry.id == presented.activity_id
    assert entry.verifier == PHARMACY_NAME
    assert entry.credential_id == held.id
    assert entry.released == way.released
    exported = json.loads(wallet.activity_json())
    assert exported[0]["released"]["kind"] == "selective", exported
    assert exported[0]["released"]["disclosed"] == ["credentialSubject.birthDate"]


def test_type_values_match_the_type_name_as_written_too(store_path):
    issuer = municipality()
    verifier = Verifier()
    wallet = HolderWallet.open(str(store_path), StoreKey.PASSPHRASE("korrekt hest"))
    assert wallet.import_credential(residence(issuer, wallet.did()), verifier).is_imported()
    answers = wallet.answers(birth_date_query(RESIDENCE_TYPE))
    assert answers.satisfiable
    [way] = answers.queries[0].candidates[0].ways
    assert way.released.is_selective(), str(way.released)
    assert way.released.disclosed == ["credentialSubject.birthDate"]


# --- 2. a base proof is for the holder only ----------------------------------------------------


def test_base_proof_given_straight_to_a_verifier_is_refused():
    issuer = municipality()
    holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    issued = residence(issuer, holder.did())
    verifier = Verifier()

    report = verifier.verify_credential(issued)
    assert not report.valid, describe(report)
    proof_failures = failed_checks(report, CheckKind.PROOF)
    assert len(proof_failures) == 1, describe(report)
    assert "base proof is for the holder" in proof_failures[0][1], describe(report)

    # Presented whole (the in-memory wallet's plain `present`), it is refused as well.
    request = verifier.request(PHARMACY_AUD)
    report = verifier.verify_presentation(holder.present([issued], request), request)
    assert not report.valid, describe(report)
    assert any("base proof is for the holder" in reason for _, _, reason in failures(report)), (
        describe(report)
    )


# --- 3. the in-memory wallet derives with the pointers chosen ----------------------------------


def test_present_selective_shows_exactly_the_chosen_and_mandatory_claims():
    issuer = municipality()
    holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    issued = residence(issuer, holder.did())
    verifier = Verifier()

    request = verifier.request(PHARMACY_AUD)
    vp = holder.present_selective(
        issued, ["/credentialSubject/name", "/credentialSubject/birthDate"], request
    )
    assert_valid(verifier.verify_presentation(vp, request))
    subject = presented_credential(vp)["credentialSubject"]
    assert subject == {
        "id": holder.did(),
        "name": SUBJECT["name"],
        "birthDate": SUBJECT["birthDate"],
        "municipality": SUBJECT["municipality"],
    }
    assert "Storgata" not in vp

    # Nothing chosen: the mandatory claims alone.
    request = verifier.request(None)
    vp = holder.present_selective(issued, [], request)
    assert_valid(verifier.verify_presentation(vp, request))
    assert presented_credential(vp)["credentialSubject"] == {
        "id": holder.did(),
        "municipality": SUBJECT["municipality"],
    }


def test_tampered_derived_claim_fails_verification():
    issuer = municipality()
    holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    issued = residence(issuer, holder.did())
    verifier = Verifier()
    request = verifier.request(PHARMACY_AUD)
    vp_json = holder.present_selective(issued, ["/credentialSubject/birthDate"], request)
    assert_valid(verifier.verify_presentation(vp_json, request))

    vp = json.loads(vp_json)
    credentials = vp["verifiableCredential"]
    derived = credentials[0] if isinstance(credentials, list) else credentials
    assert derived["credentialSubject"]["birthDate"] == "1990-05-17"
    derived["credentialSubject"]["birthDate"] = "2010-05-17"
    report = verifier.verify_presentation(json.dumps(vp), request)
    assert not report.valid, describe(report)
    # The holder's signature covers the VP, the issuer's derived proof the credential.
    assert sorted(target for target, _ in failed_checks(report, CheckKind.PROOF)) == [
        "credential[0]",
        "presentation",
    ], describe(report)

    # Re-presented in a VP the holder signs anew: only the credential's proof fails.
    request = verifier.request(PHARMACY_AUD)
    report = verifier.verify_presentation(holder.present([json.dumps(derived)], request), request)
    assert not report.valid, describe(report)
    assert [(t, k) for t, k, _ in failures(report)] == [("credential[0]", CheckKind.PROOF)], (
        describe(report)
    )

    # The derived credential alone, tampered, fails its proof too.
    report = verifier.verify_credential(json.dumps(derived))
    assert not report.valid, describe(report)
    assert failed_checks(report, CheckKind.PROOF), describe(report)


# --- 4. bad input: errors, never a crash ---------------------------------------------------------


@pytest.mark.parametrize(
    "pointers",
    [
        ["credentialSubject/birthDate"],  # not a JSON pointer (no leading '/')
        ["/credentialSubject/shoeSize"],  # selects nothing
        ["/credentialSubject/birthDate/~9"],  # a bad escape
        ["\u0000"],
    ],
)
def test_garbage_pointers_to_present_selective_are_invalid_input(pointers):
    issuer = municipality()
    holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    issued = residence(issuer, holder.did())
    with pytest.raises(LommebokError.InvalidInput):
        holder.present_selective(issued, pointers, Verifier().request(None))


def test_garbage_credentials_to_present_selective_are_invalid_input():
    holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    request = Verifier().request(None)
    # A credential with an ordinary (eddsa) proof has no base proof to derive from.
    eddsa = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    plain = eddsa.issue(
        json.dumps(
            {
                "@context": CONTEXTS,
                "type": ["VerifiableCredential", RESIDENCE_TYPE],
                "issuer": eddsa.did(),
                "credentialSubject": {"id": holder.did(), **SUBJECT},
            }
        )
    )
    unsigned = json.loads(plain)
    del unsigned["proof"]
    for garbage in ("", "{not json", "[]", "null", json.dumps({"a": 1}), plain, json.dumps(unsigned)):
        with pytest.raises(LommebokError.InvalidInput):
            holder.present_selective(garbage, ["/credentialSubject/birthDate"], request)


def test_ecdsa_sd_2023_with_an_ed25519_key_is_invalid_input():
    issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    with pytest.raises(LommebokError.InvalidInput):
        issuer.with_cryptosuite(Cryptosuite.ECDSA_SD2023)


def test_mandatory_pointer_that_selects_nothing_is_invalid_input_at_issue():
    issuer = municipality().with_mandatory_pointers(["/credentialSubject/floor"])
    with pytest.raises(LommebokError.InvalidInput):
        residence(issuer, "did:example:kari")
