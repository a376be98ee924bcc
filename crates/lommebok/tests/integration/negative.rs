//! Everything a verifier must refuse, one named test each. Each gives a clear error or an
//! invalid report naming the failed check, never a panic.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration};
use lommebok::clock::FixedClock;
use lommebok::data_integrity::{self, Cryptosuite, ProofOptions};
use lommebok::{
    Algorithm, CheckKind, Credential, Error, Policy, PresentationRequest, Verifier, Wallet,
};
use serde_json::{Map, Value, json};

use crate::support::{self, key, now};
use crate::vectors;

/// A valid credential for the default wallet, as a JSON object.
fn credential_json() -> Map<String, Value> {
    let issuer = support::issuer();
    let wallet = support::wallet();
    support::residence(&issuer, wallet.did().as_str()).into_json()
}

fn text(json: &Map<String, Value>) -> String {
    serde_json::to_string(json).unwrap()
}

/// Verifies a credential and returns the failed check kinds; asserts it is invalid.
fn failed_checks(verifier: &Verifier, json: &Map<String, Value>) -> Vec<CheckKind> {
    let outcome = verifier.verify_credential(&text(json)).unwrap();
    assert!(!outcome.is_valid(), "accepted: {:#?}", outcome.report);
    assert!(!outcome.report.valid);
    outcome.report.failures().map(|c| c.check).collect()
}

fn proof_mut(json: &mut Map<String, Value>) -> &mut Map<String, Value> {
    json.get_mut("proof").unwrap().as_object_mut().unwrap()
}

#[test]
fn the_unmodified_credential_is_valid() {
    // The baseline every negative test below starts from.
    let outcome = support::verifier()
        .verify_credential(&text(&credential_json()))
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
}

#[test]
fn tampered_claim_is_rejected() {
    let mut json = credential_json();
    json["credentialSubject"]["municipality"] = json!("Oslo");
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::Proof]
    );
}

#[test]
fn tampered_proof_value_is_rejected() {
    let mut json = credential_json();
    let proof = proof_mut(&mut json);
    let value = proof["proofValue"].as_str().unwrap().to_owned();
    let mut chars: Vec<char> = value.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    proof["proofValue"] = Value::String(chars.into_iter().collect());
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::Proof]
    );
}

#[test]
fn truncated_signature_is_rejected() {
    let mut json = credential_json();
    let proof = proof_mut(&mut json);
    let value = proof["proofValue"].as_str().unwrap();
    let (_, mut bytes) = multibase::decode(value).unwrap();
    bytes.truncate(63);
    proof["proofValue"] = multibase::encode(multibase::Base::Base58Btc, bytes).into();
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::Proof]
    );
    // And a proofValue that is not multibase at all.
    proof_mut(&mut json)["proofValue"] = json!("not multibase!");
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::Proof]
    );
}

#[test]
fn swapped_verification_method_is_rejected() {
    let mut json = credential_json();
    let other = key(Algorithm::Ed25519, 9);
    let other_vm =
        lommebok::Did::key_verification_method(&lommebok::Signer::public_key(other.as_ref()));
    proof_mut(&mut json)["verificationMethod"] = other_vm.into();
    let failed = failed_checks(&support::verifier(), &json);
    assert!(failed.contains(&CheckKind::IssuerKey), "{failed:?}");
    assert!(failed.contains(&CheckKind::Proof), "{failed:?}");
}

#[test]
fn verification_method_fragment_of_another_key_is_rejected() {
    // did:key:<issuer>#<other key>: the DID is right, the method is not in its document.
    let mut json = credential_json();
    let issuer = json["issuer"].as_str().unwrap().to_owned();
    let other = lommebok::Signer::public_key(key(Algorithm::Ed25519, 9).as_ref()).to_multibase();
    proof_mut(&mut json)["verificationMethod"] = format!("{issuer}#{other}").into();
    let failed = failed_checks(&support::verifier(), &json);
    assert!(failed.contains(&CheckKind::IssuerKey), "{failed:?}");
}

/// Signs `document` below the facades (as another implementation might, skipping lommebok's
/// own refusals) with `signer`, `suite`, `purpose` and an optional challenge.
fn sign_directly(
    document: &Map<String, Value>,
    signer: &lommebok::SoftwareKey,
    suite: Cryptosuite,
    purpose: &str,
    challenge: Option<&str>,
) -> Map<String, Value> {
    let options = ProofOptions {
        cryptosuite: suite,
        verification_method: lommebok::Did::key_verification_method(&lommebok::Signer::public_key(
            signer,
        )),
        proof_purpose: purpose.into(),
        created: Some(now()),
        expires: None,
        challenge: challenge.map(str::to_owned),
        domain: None,
    };
    data_integrity::add_proof(
        document,
        &options,
        signer,
        &lommebok::contexts::ContextRegistry::new(),
    )
    .unwrap()
}

/// Signs `json` (without its proof) with `signer` and `purpose`, replacing the proof.
fn resign(json: &mut Map<String, Value>, signer: &lommebok::SoftwareKey, purpose: &str) {
    json.remove("proof");
    *json = sign_directly(json, signer, Cryptosuite::EddsaRdfc2022, purpose, None);
}

#[test]
fn wrong_proof_purpose_is_rejected() {
    // A correct signature by the issuer's key, but for `authentication`.
    let mut json = credential_json();
    resign(&mut json, &key(Algorithm::Ed25519, 1), "authentication");
    let failed = failed_checks(&support::verifier(), &json);
    assert!(failed.contains(&CheckKind::ProofPurpose), "{failed:?}");
    assert!(
        !failed.contains(&CheckKind::Proof),
        "the signature itself is good: {failed:?}"
    );
}

#[test]
fn issuer_not_controlling_the_key_is_rejected() {
    // Signed correctly, but by a key that is not the issuer's.
    let mut json = credential_json();
    resign(&mut json, &key(Algorithm::Ed25519, 9), "assertionMethod");
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::IssuerKey]
    );
}

#[test]
fn expired_credential_is_rejected() {
    let verifier = Verifier::new().with_clock(Arc::new(FixedClock(
        DateTime::parse_from_rfc3339("2027-01-01T00:05:00Z")
            .unwrap()
            .into(),
    )));
    assert_eq!(
        failed_checks(&verifier, &credential_json()),
        [CheckKind::ValidityPeriod]
    );
}

#[test]
fn expiry_within_the_clock_skew_is_tolerated_and_beyond_it_is_not() {
    let until: DateTime<chrono::Utc> = DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
        .unwrap()
        .into();
    let at = |t| Verifier::new().with_clock(Arc::new(FixedClock(t)));
    let json = text(&credential_json());
    assert!(
        at(until + Duration::seconds(30))
            .verify_credential(&json)
            .unwrap()
            .is_valid()
    );
    assert!(
        !at(until + Duration::seconds(90))
            .verify_credential(&json)
            .unwrap()
            .is_valid()
    );
}

#[test]
fn not_yet_valid_credential_is_rejected() {
    let verifier = Verifier::new().with_clock(Arc::new(FixedClock(
        DateTime::parse_from_rfc3339("2025-12-31T23:00:00Z")
            .unwrap()
            .into(),
    )));
    assert_eq!(
        failed_checks(&verifier, &credential_json()),
        [CheckKind::ValidityPeriod]
    );
}

#[test]
fn untrusted_issuer_is_rejected_when_the_policy_names_issuers() {
    let mut policy = Policy::default();
    policy.trusted_issuers = Some(vec![
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2".into(),
    ]);
    let verifier = support::verifier().with_policy(policy);
    assert_eq!(
        failed_checks(&verifier, &credential_json()),
        [CheckKind::TrustedIssuer]
    );
}

#[test]
fn credential_with_unchecked_status_is_not_accepted() {
    let issuer = support::issuer();
    let unsigned = issuer
        .credential()
        .with_subject_id(support::wallet().did().as_str())
        .with_claim("name", json!("x"))
        .with_status(
            json!({"id": "https://kommune.example/status/1#5", "type": "BitstringStatusListEntry"}),
        )
        .build()
        .unwrap();
    let json = issuer.issue_at(&unsigned, now()).unwrap().into_json();
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::Status]
    );
}

#[test]
fn unknown_context_url_is_rejected() {
    let mut json = credential_json();
    json["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://evil.example/context"));
    let outcome = support::verifier().verify_credential(&text(&json)).unwrap();
    assert!(!outcome.is_valid());
    let proof = outcome
        .report
        .failures()
        .find(|c| c.check == CheckKind::Proof)
        .unwrap();
    assert!(
        proof.reason.contains("https://evil.example/context"),
        "{}",
        proof.reason
    );
}

#[test]
fn unknown_context_url_cannot_be_issued_until_registered() {
    let issuer = support::issuer();
    let unsigned = issuer
        .credential()
        .with_context(json!("https://kommune.example/ctx/v1"))
        .with_subject_id(support::wallet().did().as_str())
        .with_claim("bydel", json!("Grünerløkka"))
        .build()
        .unwrap();
    let err = issuer.issue_at(&unsigned, now()).unwrap_err();
    assert!(matches!(err, Error::Context(_)), "{err}");
    assert!(
        err.to_string().contains("https://kommune.example/ctx/v1"),
        "{err}"
    );
    let mut contexts = lommebok::contexts::ContextRegistry::new();
    contexts
        .register(
            "https://kommune.example/ctx/v1",
            r#"{"@context": {"bydel": "https://kommune.example/vocab#bydel"}}"#,
        )
        .unwrap();
    let issuer = support::issuer().with_contexts(contexts.clone());
    let signed = issuer.issue_at(&unsigned, now()).unwrap();
    let verifier = support::verifier().with_contexts(contexts);
    assert!(
        verifier
            .verify_credential(&signed.to_json_string())
            .unwrap()
            .is_valid()
    );
}

#[test]
fn malformed_json_is_a_clear_error() {
    for input in ["", "{", "{\"a\":}", "[]", "null", "{\"@context\": 5}"] {
        let err = support::verifier().verify_credential(input).unwrap_err();
        assert!(
            matches!(err, Error::Json(_) | Error::Credential(_)),
            "{input}: {err}"
        );
    }
}

#[test]
fn duplicate_member_names_are_a_clear_error() {
    let json = text(&credential_json());
    let duplicated = json.replacen(
        "\"issuer\":",
        "\"issuer\":\"did:example:evil\",\"issuer\":",
        1,
    );
    let err = support::verifier()
        .verify_credential(&duplicated)
        .unwrap_err();
    assert!(
        err.to_string().contains("duplicate member name `issuer`"),
        "{err}"
    );
}

#[test]
fn ten_megabyte_input_is_refused_quickly() {
    let mut json = credential_json();
    json["credentialSubject"]["padding"] = Value::String("x".repeat(10 * 1024 * 1024));
    let input = text(&json);
    let err = support::verifier().verify_credential(&input).unwrap_err();
    assert!(
        matches!(err, Error::Json(lommebok::json::JsonError::TooLarge { .. })),
        "{err}"
    );
}

#[test]
fn ten_thousand_deep_nesting_is_a_clear_error() {
    let mut deep = String::from("1");
    for _ in 0..10_000 {
        deep = format!("[{deep}]");
    }
    let input = text(&credential_json()).replacen(
        "\"municipality\":\"Tromsø\"",
        &format!("\"municipality\":{deep}"),
        1,
    );
    assert!(input.len() > 20_000);
    let err = support::verifier().verify_credential(&input).unwrap_err();
    assert!(
        err.to_string().contains("nesting") || err.to_string().contains("recursion"),
        "{err}"
    );
}

/// The 10-node blank-node clique of RDFC-1.0 test074 as JSON-LD inside a credential subject.
fn poison_subject(root: &std::path::Path) -> Value {
    let nquads = vectors::read(root, "rdf-canon/rdfc10/test074-in.nq");
    let mut nodes: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for line in nquads.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.len(), 4, "{line}");
        nodes
            .entry(parts[0].to_owned())
            .or_default()
            .push(json!({"@id": parts[2]}));
    }
    let graph: Vec<Value> = nodes
        .into_iter()
        .map(|(id, links)| json!({"@id": id, "https://example.com/p": links}))
        .collect();
    assert_eq!(graph.len(), 10);
    Value::Array(graph)
}

#[test]
fn rdfc_poison_graph_test074_is_refused_within_bounded_work() {
    let Some(root) = vectors::root() else { return };
    let issuer = support::issuer();
    let unsigned = issuer
        .credential()
        .with_subject_id(support::wallet().did().as_str())
        .with_claim("https://example.com/clique", poison_subject(&root))
        .build()
        .unwrap();
    // Issuing refuses it.
    let started = Instant::now();
    let err = issuer.issue_at(&unsigned, now()).unwrap_err();
    assert!(err.to_string().contains("canonicalization"), "{err}");
    // A verifier given it with a (JCS-signed, so well-formed) proof refuses it too: swap the
    // suite name so the RDFC path has to canonicalize the poison graph.
    let jcs = lommebok::Issuer::new(key(Algorithm::Ed25519, 1))
        .with_cryptosuite(Cryptosuite::EddsaJcs2022)
        .unwrap();
    let mut json = jcs.issue_at(&unsigned, now()).unwrap().into_json();
    let proof = proof_mut(&mut json);
    proof.remove("@context");
    proof["cryptosuite"] = json!("eddsa-rdfc-2022");
    let outcome = support::verifier().verify_credential(&text(&json)).unwrap();
    let failure = outcome
        .report
        .failures()
        .find(|c| c.check == CheckKind::Proof)
        .unwrap();
    assert!(
        failure.reason.contains("canonicalization"),
        "{}",
        failure.reason
    );
    // Bounded: the call budget stops it. (Not a timing assertion on the result; this only
    // guards against the unbounded case, which runs for hours.)
    eprintln!("poison graph refused twice in {:?}", started.elapsed());
}

// Presentations.

fn presentation_setup() -> (Wallet, Credential, Verifier) {
    let issuer = support::issuer();
    let wallet = support::wallet();
    let credential = support::residence(&issuer, wallet.did().as_str());
    (wallet, credential, support::verifier())
}

fn failed_presentation_checks(
    verifier: &Verifier,
    vp: &str,
    request: &PresentationRequest,
) -> Vec<CheckKind> {
    let outcome = verifier.verify_presentation(vp, request).unwrap();
    assert!(!outcome.is_valid(), "accepted: {:#?}", outcome.report);
    outcome.report.failures().map(|c| c.check).collect()
}

#[test]
fn presentation_with_wrong_challenge_is_rejected() {
    let (wallet, credential, verifier) = presentation_setup();
    let request = verifier.request(None);
    let forged = PresentationRequest {
        challenge: "attacker-chosen".into(),
        domain: None,
    };
    let vp = wallet.present_at(&[credential], &forged, now()).unwrap();
    assert_eq!(
        failed_presentation_checks(&verifier, &vp.to_json_string(), &request),
        [CheckKind::Challenge]
    );
}

#[test]
fn presentation_for_another_domain_is_rejected() {
    let (wallet, credential, verifier) = presentation_setup();
    let request = verifier.request(Some("apotek.example"));
    let elsewhere = PresentationRequest {
        challenge: request.challenge.clone(),
        domain: Some("evil.example".into()),
    };
    let vp = wallet.present_at(&[credential], &elsewhere, now()).unwrap();
    assert_eq!(
        failed_presentation_checks(&verifier, &vp.to_json_string(), &request),
        [CheckKind::Domain]
    );
}

#[test]
fn replayed_challenge_is_rejected() {
    let (wallet, credential, verifier) = presentation_setup();
    let request = verifier.request(Some("apotek.example"));
    let vp = wallet
        .present_at(&[credential], &request, now())
        .unwrap()
        .to_json_string();
    assert!(
        verifier
            .verify_presentation(&vp, &request)
            .unwrap()
            .is_valid()
    );
    assert_eq!(
        failed_presentation_checks(&verifier, &vp, &request),
        [CheckKind::Challenge]
    );
}

#[test]
fn challenge_not_issued_by_this_verifier_is_rejected() {
    let (wallet, credential, verifier) = presentation_setup();
    let request = support::verifier().request(None); // another verifier's challenge
    let vp = wallet.present_at(&[credential], &request, now()).unwrap();
    assert_eq!(
        failed_presentation_checks(&verifier, &vp.to_json_string(), &request),
        [CheckKind::Challenge]
    );
}

#[test]
fn expired_challenge_is_rejected() {
    let (wallet, credential, _) = presentation_setup();
    let issued_at = now();
    let verifier = Verifier::new().with_clock(Arc::new(FixedClock(issued_at)));
    let request = verifier.request(None);
    // The same verifier (same outstanding challenges), ten minutes on: past the 5-minute TTL.
    let verifier = verifier.with_clock(Arc::new(FixedClock(issued_at + Duration::minutes(10))));
    let vp = wallet.present_at(&[credential], &request, now()).unwrap();
    assert_eq!(
        failed_presentation_checks(&verifier, &vp.to_json_string(), &request),
        [CheckKind::Challenge]
    );
}

#[test]
fn holder_other_than_signer_is_rejected() {
    let (_, credential, verifier) = presentation_setup();
    let request = verifier.request(None);
    // Mallory signs a presentation that names the real holder.
    let mallory = key(Algorithm::Ed25519, 7);
    let holder = support::wallet().did().to_string();
    let unsigned = lommebok::Presentation::unsigned(&holder, &[credential]).unwrap();
    let vp = sign_directly(
        unsigned.as_json(),
        mallory.as_ref(),
        Cryptosuite::EddsaRdfc2022,
        "authentication",
        Some(&request.challenge),
    );
    assert_eq!(
        failed_presentation_checks(&verifier, &text(&vp), &request),
        [CheckKind::HolderKey]
    );
}

#[test]
fn credential_of_another_subject_is_rejected() {
    let issuer = support::issuer();
    let someone_else = Wallet::new(key(Algorithm::Ed25519, 8));
    let credential = support::residence(&issuer, someone_else.did().as_str());
    let wallet = support::wallet();
    assert!(matches!(
        support::wallet().store(&credential.to_json_string()),
        Err(Error::NotForHolder { .. })
    ));
    let verifier = support::verifier();
    let request = verifier.request(None);
    let vp = wallet
        .present_at(std::slice::from_ref(&credential), &request, now())
        .unwrap()
        .to_json_string();
    assert_eq!(
        failed_presentation_checks(&verifier, &vp, &request),
        [CheckKind::HolderBinding]
    );
    // Only the danger_ option relaxes it, and the report says so.
    let mut policy = Policy::default();
    policy.danger_allow_holder_not_subject = true;
    let lax = support::verifier().with_policy(policy);
    let request = lax.request(None);
    let vp = wallet
        .present_at(&[credential], &request, now())
        .unwrap()
        .to_json_string();
    let outcome = lax.verify_presentation(&vp, &request).unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    assert!(
        outcome
            .report
            .checks
            .iter()
            .any(|c| c.reason.starts_with("DANGER"))
    );
}

#[test]
fn tampered_credential_inside_a_presentation_is_rejected() {
    // The holder's signature covers the change, but the issuer's does not.
    let (wallet, credential, verifier) = presentation_setup();
    let mut json = credential.into_json();
    json["credentialSubject"]["municipality"] = json!("Oslo");
    let tampered = Credential::from_json(json).unwrap();
    let request = verifier.request(None);
    let vp = wallet.present_at(&[tampered], &request, now()).unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    let failed: Vec<_> = outcome
        .report
        .failures()
        .map(|c| (c.target.as_str(), c.check))
        .collect();
    assert_eq!(failed, [("credential[0]", CheckKind::Proof)]);
}

#[test]
fn presentation_without_proof_is_rejected() {
    let (_, credential, verifier) = presentation_setup();
    let request = verifier.request(None);
    let unsigned =
        lommebok::Presentation::unsigned(support::wallet().did().as_str(), &[credential]).unwrap();
    let failed = failed_presentation_checks(&verifier, &unsigned.to_json_string(), &request);
    assert!(
        failed.contains(&CheckKind::Proof) && failed.contains(&CheckKind::Challenge),
        "{failed:?}"
    );
}

#[test]
fn unknown_context_url_is_rejected_for_jcs_suites_too() {
    // JCS does not process contexts, but the verifier still refuses vocabulary it does not know.
    let issuer = lommebok::Issuer::new(key(Algorithm::Ed25519, 1))
        .with_cryptosuite(Cryptosuite::EddsaJcs2022)
        .unwrap();
    let unsigned = issuer
        .credential()
        .with_context(json!("https://evil.example/context"))
        .with_subject_id(support::wallet().did().as_str())
        .with_claim("name", json!("x"))
        .build()
        .unwrap();
    // The issuer refuses to sign it...
    assert!(matches!(
        issuer.issue_at(&unsigned, now()),
        Err(Error::Context(_))
    ));
    // ...so sign it below the facade, as another implementation might.
    let json = sign_directly(
        unsigned.as_json(),
        key(Algorithm::Ed25519, 1).as_ref(),
        Cryptosuite::EddsaJcs2022,
        "assertionMethod",
        None,
    );
    assert_eq!(
        failed_checks(&support::verifier(), &json),
        [CheckKind::Context]
    );
}

#[test]
fn iri_with_non_utf8_percent_escape_is_refused_without_panic() {
    // `%FF` decodes to a byte that is not UTF-8; the IRI crates panic when such an IRI is
    // hashed. lommebok must report it, not crash.
    let mut json = credential_json();
    json["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://x.example/%FF"));
    // As a context URL it is not a URL at all: the credential is refused as malformed.
    let err = support::verifier()
        .verify_credential(&text(&json))
        .unwrap_err();
    assert!(err.to_string().contains("@context"), "{err}");
    let mut json = credential_json();
    json["credentialSubject"]["https://x.example/%FF"] = json!("value");
    json["type"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://x.example/%C3%28"));
    let failed = failed_checks(&support::verifier(), &json);
    assert!(failed.contains(&CheckKind::Proof), "{failed:?}");
}
