//! Selective disclosure with `ecdsa-sd-2023` through the facades (vc-di-ecdsa §3.4): the issuer
//! adds a base proof, the holder's wallet checks and keeps it, answers a DCQL query with a
//! derived credential that discloses only the requested claims and the mandatory ones, and the
//! verifier checks the derived proof like any other (issuer key, validity, status, holder
//! binding), and refuses base proofs.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lommebok::data_integrity::Cryptosuite;
use lommebok::query::{DcqlQuery, Release};
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::wallet::store::{Argon2Params, MemoryStorage, PassphraseKey};
use lommebok::wallet::{Choice, HolderWallet, HolderWalletError, Released};
use lommebok::{
    Algorithm, CheckKind, Credential, Issuer, Verification, VerifiedPresentation, Verifier, Wallet,
};
use serde_json::{Value, json};

use crate::support::{self, now};

const REVOCATION: &str = "https://kommune.example/status/sd-revocation/1";

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().into()
}

/// An ecdsa-sd-2023 issuer (P-256) that makes the subject's nationality mandatory.
fn issuer() -> Issuer {
    Issuer::new(support::key(Algorithm::P256, 21))
        .with_cryptosuite(Cryptosuite::EcdsaSd2023)
        .unwrap()
        .with_mandatory_pointers(&["/credentialSubject/nationality"])
}

/// A PID-like credential about `holder`, valid for 2026, with a base proof.
fn pid(issuer: &Issuer, holder: &str) -> Credential {
    let unsigned = issuer
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_id(support::next_credential_id())
        .with_type("PersonCredential")
        .valid_from(time("2026-01-01T00:00:00Z"))
        .valid_until(time("2027-01-01T00:00:00Z"))
        .with_subject_id(holder)
        .with_claim("givenName", json!("Kari"))
        .with_claim("familyName", json!("Nordmann"))
        .with_claim("birthDate", json!("1990-05-17"))
        .with_claim("nationality", json!("NO"))
        .build()
        .unwrap();
    issuer.issue_at(&unsigned, now()).unwrap()
}

fn query(claim: &str) -> DcqlQuery {
    DcqlQuery::parse(
        &json!({"credentials": [{
            "id": "person", "format": "ldp_vc",
            "meta": {"type_values": [["PersonCredential"]]},
            "claims": [{"path": ["credentialSubject", claim]}]
        }]})
        .to_string(),
    )
    .unwrap()
}

fn open(storage: &Arc<MemoryStorage>) -> HolderWallet {
    let key = PassphraseKey::new("hemmelig")
        .with_params(Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
    HolderWallet::open(storage.clone(), &key, None).unwrap()
}

/// A holder wallet holding a PID from `issuer`, and the PID's wallet id.
fn holding(issuer: &Issuer, verifier: &Verifier) -> (HolderWallet, Credential, String) {
    let wallet = open(&Arc::new(MemoryStorage::new()));
    let credential = pid(issuer, wallet.did().as_str());
    let summary = wallet
        .import(&credential.to_json_string(), verifier, None)
        .unwrap();
    (wallet, credential, summary.id)
}

/// The presentation answering `query` with the default choices to a fresh request of
/// `verifier`, and the verifier's verdict on it.
fn present(
    wallet: &HolderWallet,
    query: &DcqlQuery,
    verifier: &Verifier,
) -> (Value, Verification<VerifiedPresentation>) {
    let request = verifier.request(Some("apotek.example"));
    let matched = wallet.answers(query).unwrap();
    let presented = wallet
        .present_at(
            query,
            &Choice::defaults(&matched),
            &request,
            "Apotek",
            now(),
        )
        .unwrap();
    let vp = &presented.presentations[0].presentation;
    let outcome = verifier.verify_presentation(vp, &request).unwrap();
    (serde_json::from_str(vp).unwrap(), outcome)
}

fn failed_reasons(report: &lommebok::VerificationReport, kind: CheckKind) -> Vec<String> {
    report
        .failures()
        .filter(|c| c.check == kind)
        .map(|c| c.reason.clone())
        .collect()
}

#[test]
fn vc_di_ecdsa_3_4_issue_import_query_present_verify_discloses_only_mandatory_and_asked() {
    let issuer = issuer();
    let verifier = support::verifier();
    let (wallet, credential, held_id) = holding(&issuer, &verifier);
    let query = query("birthDate");

    // The consent screen and the log say what leaves: birthDate (and the subject's id around
    // it, already mandatory) besides the mandatory claims.
    let matched = wallet.answers(&query).unwrap();
    let way = matched.credentials[0].candidates[0].preferred().unwrap();
    assert!(matches!(way.release, Release::Selective(_)));
    let mandatory: Vec<String> = [
        "credentialSubject.id",
        "credentialSubject.nationality",
        "id",
        "issuer",
        "type",
        "validFrom",
        "validUntil",
    ]
    .map(String::from)
    .to_vec();
    let expected = Released::Selective {
        disclosed: vec!["credentialSubject.birthDate".into()],
        mandatory,
    };
    assert_eq!(wallet.released(&held_id, way).unwrap(), expected);

    let request = verifier.request(Some("apotek.example"));
    let presented = wallet
        .present_at(
            &query,
            &Choice::defaults(&matched),
            &request,
            "Apotek",
            now(),
        )
        .unwrap();
    assert_eq!(wallet.activity().unwrap().records[0].released, expected);
    // The log's JSON shape (the holder exports it).
    let exported: Value = serde_json::from_str(&wallet.activity_json().unwrap()).unwrap();
    assert_eq!(
        exported[0]["released"],
        json!({
            "kind": "selective",
            "disclosed": ["credentialSubject.birthDate"],
            "mandatory": ["credentialSubject.id", "credentialSubject.nationality", "id",
                "issuer", "type", "validFrom", "validUntil"]
        })
    );

    let outcome = verifier
        .verify_presentation(&presented.presentations[0].presentation, &request)
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    for kind in [
        CheckKind::Proof,
        CheckKind::ProofPurpose,
        CheckKind::IssuerKey,
        CheckKind::ValidityPeriod,
        CheckKind::HolderBinding,
    ] {
        assert!(
            outcome
                .report
                .checks
                .iter()
                .any(|c| c.target == "credential[0]" && c.check == kind && c.passed),
            "no passing {kind:?} for the credential"
        );
    }
    // What the verifier got: exactly the mandatory claims and the one asked for.
    let seen = outcome.verified().unwrap().credentials()[0].credential();
    let mut claims = seen.as_json().clone();
    let proof = claims.remove("proof").unwrap();
    assert_eq!(proof["cryptosuite"], "ecdsa-sd-2023");
    assert_eq!(
        Value::Object(claims),
        json!({
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2"
            ],
            "id": credential.id().unwrap(),
            "type": ["VerifiableCredential", "PersonCredential"],
            "issuer": issuer.did().as_str(),
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
            "credentialSubject": {
                "id": wallet.did().as_str(),
                "birthDate": "1990-05-17",
                "nationality": "NO"
            }
        })
    );
}

#[test]
fn vc_di_ecdsa_3_4_9_tampered_derived_claim_is_rejected() {
    let issuer = issuer();
    let verifier = support::verifier();
    let (wallet, _, _) = holding(&issuer, &verifier);
    let (vp, outcome) = present(&wallet, &query("birthDate"), &verifier);
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    let mut derived = vp["verifiableCredential"][0].clone();
    derived["credentialSubject"]["birthDate"] = json!("2010-05-17");

    // Alone, and re-presented in a VP the holder signs anew.
    let alone = verifier.verify_credential(&derived.to_string()).unwrap();
    assert!(!alone.is_valid());
    assert_eq!(
        failed_reasons(&alone.report, CheckKind::Proof),
        ["proof: the signature does not verify"]
    );
    let holder = Wallet::new(support::key(Algorithm::Ed25519, 22));
    let forged = Credential::from_json_str(&derived.to_string()).unwrap();
    let request = verifier.request(None);
    let vp = holder.present_at(&[forged], &request, now()).unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(!outcome.is_valid());
    assert!(
        outcome
            .report
            .failures()
            .any(|c| c.target == "credential[0]" && c.check == CheckKind::Proof)
    );
}

#[test]
fn vc_di_ecdsa_3_4_9_base_proof_presented_to_a_verifier_is_refused() {
    let issuer = issuer();
    let verifier = support::verifier();
    let holder = Wallet::new(support::key(Algorithm::Ed25519, 23));
    let base = pid(&issuer, holder.did().as_str());

    // The holder may check it; a verifier refuses it, alone or in a presentation.
    let as_issued = verifier
        .verify_credential_as_issued(&base.to_json_string())
        .unwrap();
    assert!(as_issued.is_valid(), "{:#?}", as_issued.report);
    let alone = verifier.verify_credential(&base.to_json_string()).unwrap();
    assert!(!alone.is_valid());
    let reasons = failed_reasons(&alone.report, CheckKind::Proof);
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("found a base proof"), "{reasons:?}");

    let request = verifier.request(None);
    let vp = holder.present_at(&[base], &request, now()).unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(!outcome.is_valid());
    let reasons: Vec<&str> = outcome
        .report
        .failures()
        .map(|c| c.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("a base proof is for the holder only"));
}

#[test]
fn in_memory_wallet_presents_a_derived_credential() {
    let issuer = issuer();
    let verifier = support::verifier();
    let holder = Wallet::new(support::key(Algorithm::P256, 24));
    let base = pid(&issuer, holder.did().as_str());
    let request = verifier.request(Some("apotek.example"));
    let vp = holder
        .present_selective_at(&base, &["/credentialSubject/givenName"], &request, now())
        .unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    let subject = outcome.verified().unwrap().credentials()[0]
        .credential()
        .subjects()[0]
        .clone();
    let names: Vec<&str> = subject.keys().map(String::as_str).collect();
    assert_eq!(names, ["givenName", "id", "nationality"]);
    // Nothing selected: the mandatory claims alone.
    let request = verifier.request(None);
    let vp = holder
        .present_selective_at(&base, &[], &request, now())
        .unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    let subject = &outcome.verified().unwrap().credentials()[0]
        .credential()
        .subjects()[0];
    let names: Vec<&str> = subject.keys().map(String::as_str).collect();
    assert_eq!(names, ["id", "nationality"]);
    // A wallet does not sign presentations with a selective-disclosure suite.
    assert!(
        Wallet::new(support::key(Algorithm::P256, 24))
            .with_cryptosuite(Cryptosuite::EcdsaSd2023)
            .is_err()
    );
}

#[test]
fn bsl_revoked_selective_credential_is_rejected() {
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(REVOCATION, StatusPurpose::Revocation)
        .unwrap();
    let issuer = issuer().with_status(registry, &[REVOCATION]);
    let cache = Arc::new(StatusListCache::new());
    let verifier = support::verifier().with_status_source(cache.clone());
    let publish = || {
        let list = issuer
            .status_list_credential_at(
                REVOCATION,
                now() - chrono::Duration::hours(1),
                now() + chrono::Duration::days(1),
            )
            .unwrap();
        // Verifiers check only derived ecdsa-sd-2023 proofs: the list is signed otherwise.
        assert_eq!(list.proofs()[0]["cryptosuite"], "ecdsa-rdfc-2019");
        cache.insert(REVOCATION, &list.to_json_string());
    };
    publish();
    let (wallet, credential, _) = holding(&issuer, &verifier);
    let query = query("givenName");

    // The status entry is mandatory: it travels in every derived credential.
    let (vp, outcome) = present(&wallet, &query, &verifier);
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    assert!(vp["verifiableCredential"][0]["credentialStatus"].is_object());

    issuer.revoke(credential.id().unwrap()).unwrap();
    publish();
    let (vp, outcome) = present(&wallet, &query, &verifier);
    assert!(!outcome.is_valid());
    assert_eq!(
        failed_reasons(&outcome.report, CheckKind::Status),
        ["revoked"]
    );

    // Nor can the holder hide the status entry: the issuer signed it as mandatory.
    let mut stripped = vp["verifiableCredential"][0].clone();
    stripped.as_object_mut().unwrap().remove("credentialStatus");
    let outcome = verifier.verify_credential(&stripped.to_string()).unwrap();
    assert!(!outcome.is_valid());
    assert_eq!(
        failed_reasons(&outcome.report, CheckKind::Proof),
        ["proof: the signature does not verify"]
    );
}

#[test]
fn selective_credential_of_another_holder_is_refused() {
    let issuer = issuer();
    let verifier = support::verifier();
    let someone = Wallet::new(support::key(Algorithm::Ed25519, 25));
    let theirs = pid(&issuer, someone.did().as_str());

    // The wallet does not import it...
    let wallet = open(&Arc::new(MemoryStorage::new()));
    assert!(matches!(
        wallet.import(&theirs.to_json_string(), &verifier, None),
        Err(HolderWalletError::NotBound { .. })
    ));
    // ...and a verifier refuses it derived and presented by someone else.
    let thief = Wallet::new(support::key(Algorithm::Ed25519, 26));
    let request = verifier.request(None);
    let vp = thief
        .present_selective_at(&theirs, &["/credentialSubject/givenName"], &request, now())
        .unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(!outcome.is_valid());
    assert_eq!(
        failed_reasons(&outcome.report, CheckKind::HolderBinding),
        ["the credential is about someone other than the holder"]
    );
}

#[test]
fn dcql_query_for_a_claim_the_credential_lacks_matches_nothing() {
    let issuer = issuer();
    let verifier = support::verifier();
    let (wallet, _, _) = holding(&issuer, &verifier);
    let matched = wallet.answers(&query("address")).unwrap();
    assert!(!matched.satisfiable);
    assert!(matched.credentials[0].candidates.is_empty());
}
