//! Trust lists and signed requests (`lommebok::trust`): a national anchor lists a municipality
//! and a pharmacy; each refusal the trust model promises is a named test, and so is the happy
//! path from signed request to verified presentation.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use lommebok::clock::FixedClock;
use lommebok::did::OfflineResolver;
use lommebok::query::DcqlQuery;
use lommebok::sd_jwt::SdJwtOptions;
use lommebok::trust::request::{
    DID_CLIENT_PREFIX, Refusal, RequestError, RequestParameters, RequestPolicy, check_request,
    sign_request,
};
use lommebok::trust::{
    IssuerTrust, ListedIssuer, RegisteredVerifier, RequestScope, TrustError, TrustListContents,
    TrustLists,
};
use lommebok::wallet::store::{Argon2Params, MemoryStorage, PassphraseKey};
use lommebok::wallet::{Choice, HolderWallet, HolderWalletError};
use lommebok::{Algorithm, CheckKind, Did, Issuer, SdJwtIssuerKey, Signer as _, Verifier};
use serde_json::{Map, Value, json};

use crate::support::{self, key, now};

const AGE: &str = "urn:example:age";
const LIST_ID: &str = "urn:example:trust-list:no";
const PHARMACY_RESPONSE: &str = "https://apotek.example/response";

fn anchor() -> Issuer {
    Issuer::new(key(Algorithm::Ed25519, 40))
}

fn municipality() -> Issuer {
    support::issuer()
}

fn pharmacy_key() -> Arc<lommebok::SoftwareKey> {
    key(Algorithm::P256, 41)
}

fn pharmacy_did() -> Did {
    Did::from_public_key(&pharmacy_key().public_key())
}

fn pharmacy_method() -> String {
    Did::key_verification_method(&pharmacy_key().public_key())
}

fn contents(sequence: u64) -> TrustListContents {
    let mut contents = TrustListContents::new(LIST_ID, sequence);
    contents.add_issuer(ListedIssuer::new(
        municipality().did().as_str(),
        "Tromsø kommune",
        ["ResidenceCredential", AGE],
    ));
    contents.add_verifier(
        RegisteredVerifier::new(
            pharmacy_did().as_str(),
            "Apotek Nord",
            "age check for prescription medicine",
        )
        .may_request(RequestScope::new(AGE, ["age_over_18"]))
        .response_uri(PHARMACY_RESPONSE),
    );
    contents
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The list signed by `signer`, valid from 30 days ago for `valid_days` from then.
fn signed_list(signer: &Issuer, contents: &TrustListContents, valid_days: i64) -> String {
    let from = now() - days(30);
    let unsigned = contents
        .to_credential(signer.did(), from, Some(from + days(valid_days)))
        .unwrap();
    signer.issue_at(&unsigned, from).unwrap().to_json_string()
}

fn trust_with(list: &str) -> Arc<TrustLists> {
    let trust = Arc::new(TrustLists::new([anchor().did().as_str()]));
    trust.add(list, &support::verifier()).unwrap();
    trust
}

fn trusting_verifier(trust: Arc<TrustLists>) -> Verifier {
    support::verifier().with_trust_lists(trust)
}

fn trust_check(report: &lommebok::VerificationReport) -> (bool, String) {
    let check = report
        .checks
        .iter()
        .find(|c| c.check == CheckKind::Trust)
        .expect("a trust check");
    (check.passed, check.reason.clone())
}

// --- the wire form ---------------------------------------------------------------------------

#[test]
fn trust_list_wire_form_is_pinned() {
    let subject = contents(3).to_subject();
    assert_eq!(
        Value::Object(subject),
        json!({
            "id": LIST_ID,
            "type": "TrustList",
            "sequence": 3,
            "issuers": [{
                "did": municipality().did().as_str(),
                "legalName": "Tromsø kommune",
                "credentialTypes": ["ResidenceCredential", AGE],
            }],
            "verifiers": [{
                "did": pharmacy_did().as_str(),
                "legalName": "Apotek Nord",
                "purpose": "age check for prescription medicine",
                "mayRequest": [{"credentialType": AGE, "claims": ["age_over_18"]}],
                "responseUris": [PHARMACY_RESPONSE],
            }],
        })
    );
    let credential: Value =
        serde_json::from_str(&signed_list(&anchor(), &contents(3), 365)).unwrap();
    assert_eq!(
        credential["type"],
        json!(["VerifiableCredential", "TrustListCredential"])
    );
    assert_eq!(credential["issuer"], json!(anchor().did().as_str()));
    assert_eq!(credential["proof"]["cryptosuite"], json!("eddsa-rdfc-2022"));
    // What was signed reads back as what was listed.
    let parsed = TrustListContents::from_credential(
        &lommebok::Credential::from_json(credential.as_object().unwrap().clone()).unwrap(),
    )
    .unwrap();
    assert_eq!(parsed, contents(3));
}

#[test]
fn signed_request_wire_form_is_pinned() {
    let query = age_query_json();
    let jwt = sign_request(
        &RequestParameters {
            dcql_query: query.clone(),
            nonce: "n-0S6_WzA2Mj".into(),
            response_uri: PHARMACY_RESPONSE.into(),
            state: None,
        },
        pharmacy_key().as_ref(),
        &pharmacy_method(),
        now(),
        Duration::minutes(5),
    )
    .unwrap();
    let jws = lommebok::jws::Jws::decode(&jwt).unwrap();
    assert_eq!(
        Value::Object(jws.header),
        json!({"alg": "ES256", "typ": "oauth-authz-req+jwt", "kid": pharmacy_method()})
    );
    assert_eq!(
        Value::Object(jws.payload),
        json!({
            "client_id": format!("decentralized_identifier:{}", pharmacy_did()),
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": PHARMACY_RESPONSE,
            "nonce": "n-0S6_WzA2Mj",
            "dcql_query": query,
            "aud": "https://self-issued.me/v2",
            "iat": now().timestamp(),
            "exp": (now() + Duration::minutes(5)).timestamp(),
        })
    );
}

// --- the verifier's side: issuers ------------------------------------------------------------

#[test]
fn a_listed_issuer_is_trusted_for_its_types() {
    let verifier = trusting_verifier(trust_with(&signed_list(&anchor(), &contents(1), 365)));
    let credential = support::residence(&municipality(), "did:example:kari");
    let outcome = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    let (passed, reason) = trust_check(&outcome.report);
    assert!(passed);
    assert!(reason.contains("Tromsø kommune"), "{reason}");
}

#[test]
fn unlisted_issuer_is_rejected() {
    let verifier = trusting_verifier(trust_with(&signed_list(&anchor(), &contents(1), 365)));
    let stranger = Issuer::new(key(Algorithm::Ed25519, 42));
    let credential = support::residence(&stranger, "did:example:kari");
    let outcome = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    assert!(!outcome.is_valid());
    let (passed, reason) = trust_check(&outcome.report);
    assert!(!passed);
    assert!(reason.starts_with("issuer not listed"), "{reason}");
    // Every other check passed: it is the trust check alone that rejects it.
    assert_eq!(
        outcome.report.failures().count(),
        1,
        "{:#?}",
        outcome.report
    );
}

#[test]
fn issuer_listed_for_another_type_is_rejected() {
    let mut only_age = TrustListContents::new(LIST_ID, 1);
    only_age.add_issuer(ListedIssuer::new(
        municipality().did().as_str(),
        "Tromsø kommune",
        [AGE],
    ));
    let verifier = trusting_verifier(trust_with(&signed_list(&anchor(), &only_age, 365)));
    let credential = support::residence(&municipality(), "did:example:kari");
    let outcome = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    let (passed, reason) = trust_check(&outcome.report);
    assert!(!passed);
    assert!(
        reason.starts_with("listed but not for this type")
            && reason.contains("ResidenceCredential"),
        "{reason}"
    );
}

#[test]
fn an_expanded_type_iri_on_the_list_covers_the_written_type() {
    let mut by_iri = TrustListContents::new(LIST_ID, 1);
    by_iri.add_issuer(ListedIssuer::new(
        municipality().did().as_str(),
        "Tromsø kommune",
        ["https://www.w3.org/ns/credentials/examples#ResidenceCredential"],
    ));
    let verifier = trusting_verifier(trust_with(&signed_list(&anchor(), &by_iri, 365)));
    let credential = support::residence(&municipality(), "did:example:kari");
    let outcome = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    assert!(trust_check(&outcome.report).0, "{:#?}", outcome.report);
}

#[test]
fn expired_list_is_rejected() {
    // Valid for 10 days from 30 days ago: expired 20 days before the verifier's now.
    let list = signed_list(&anchor(), &contents(1), 10);
    let trust = Arc::new(TrustLists::new([anchor().did().as_str()]));
    let error = trust.add(&list, &support::verifier()).unwrap_err();
    assert!(matches!(error, TrustError::NotVerified { .. }), "{error}");
    assert!(error.to_string().contains("expired"), "{error}");

    // A list that was in force when added, and has expired since.
    let earlier = support::verifier().with_clock(Arc::new(FixedClock(now() - days(25))));
    trust.add(&list, &earlier).unwrap();
    let verifier = trusting_verifier(trust.clone());
    let credential = support::residence(&municipality(), "did:example:kari");
    let outcome = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    let (passed, reason) = trust_check(&outcome.report);
    assert!(!passed);
    assert!(reason.starts_with("list expired"), "{reason}");
    assert_eq!(
        trust.issuer(municipality().did().as_str(), &[], now()),
        IssuerTrust::ListExpired {
            list_id: LIST_ID.into()
        }
    );
}

#[test]
fn tampered_list_is_rejected() {
    let mut list: Value = serde_json::from_str(&signed_list(&anchor(), &contents(1), 365)).unwrap();
    let stranger = Issuer::new(key(Algorithm::Ed25519, 42));
    list["credentialSubject"]["issuers"][0]["did"] = json!(stranger.did().as_str());
    let trust = TrustLists::new([anchor().did().as_str()]);
    let error = trust
        .add(&list.to_string(), &support::verifier())
        .unwrap_err();
    let TrustError::NotVerified { report } = &error else {
        panic!("{error}")
    };
    assert!(report.failed(CheckKind::Proof), "{report:#?}");
    assert!(trust.lists().is_empty());

    // Widening what an issuer may issue is caught the same way.
    let mut list: Value = serde_json::from_str(&signed_list(&anchor(), &contents(1), 365)).unwrap();
    list["credentialSubject"]["issuers"][0]["credentialTypes"] =
        json!(["ResidenceCredential", AGE, "PassportCredential"]);
    assert!(matches!(
        trust.add(&list.to_string(), &support::verifier()),
        Err(TrustError::NotVerified { .. })
    ));
}

#[test]
fn list_signed_by_a_non_anchor_is_rejected() {
    let impostor = Issuer::new(key(Algorithm::Ed25519, 43));
    let list = signed_list(&impostor, &contents(1), 365);
    let trust = TrustLists::new([anchor().did().as_str()]);
    let error = trust.add(&list, &support::verifier()).unwrap_err();
    assert!(
        matches!(&error, TrustError::NotAnAnchor { issuer } if issuer == impostor.did().as_str()),
        "{error}"
    );
    assert!(trust.lists().is_empty());
}

#[test]
fn a_newer_list_replaces_an_older_one_only_if_it_verifies() {
    let trust = TrustLists::new([anchor().did().as_str()]);
    trust
        .add(
            &signed_list(&anchor(), &contents(1), 365),
            &support::verifier(),
        )
        .unwrap();
    let mut two = contents(2);
    two.add_issuer(ListedIssuer::new("did:example:bodo", "Bodø kommune", [AGE]));

    // A forged version 2 does not replace version 1.
    let mut forged: Value = serde_json::from_str(&signed_list(&anchor(), &two, 365)).unwrap();
    forged["credentialSubject"]["issuers"][0]["legalName"] = json!("Falsk kommune");
    assert!(
        trust
            .add(&forged.to_string(), &support::verifier())
            .is_err()
    );
    assert_eq!(trust.lists()[0].contents.sequence, 1);

    trust
        .add(&signed_list(&anchor(), &two, 365), &support::verifier())
        .unwrap();
    assert_eq!(trust.lists()[0].contents.sequence, 2);
    assert!(trust.issuer("did:example:bodo", &[], now()).is_trusted());

    // Version 1 again (a rollback) is refused.
    let error = trust
        .add(
            &signed_list(&anchor(), &contents(1), 365),
            &support::verifier(),
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            TrustError::NotNewer {
                held: 2,
                offered: 1,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(trust.lists().len(), 1);
}

#[test]
fn several_anchors_are_held_at_once() {
    let nordic = Issuer::new(key(Algorithm::Ed25519, 44));
    let trust = Arc::new(TrustLists::new([
        anchor().did().as_str(),
        nordic.did().as_str(),
    ]));
    trust
        .add(
            &signed_list(&anchor(), &contents(1), 365),
            &support::verifier(),
        )
        .unwrap();
    let stranger = Issuer::new(key(Algorithm::Ed25519, 42));
    let mut other = TrustListContents::new("urn:example:trust-list:nordic", 7);
    other.add_issuer(ListedIssuer::new(
        stranger.did().as_str(),
        "Kiruna kommun",
        ["ResidenceCredential"],
    ));
    trust
        .add(&signed_list(&nordic, &other, 365), &support::verifier())
        .unwrap();
    assert_eq!(trust.lists().len(), 2);
    let verifier = trusting_verifier(trust);
    for issuer in [municipality(), stranger] {
        let credential = support::residence(&issuer, "did:example:kari");
        let outcome = verifier
            .verify_credential(&credential.to_json_string())
            .unwrap();
        assert!(outcome.is_valid(), "{:#?}", outcome.report);
    }
}

#[test]
fn malformed_lists_are_refused_with_a_reason() {
    let anchor = anchor();
    let trust = TrustLists::new([anchor.did().as_str()]);
    let from = now() - days(1);
    let sign = |subject: Value| {
        let mut unsigned = contents(1)
            .to_credential(anchor.did(), from, None)
            .unwrap()
            .into_json();
        unsigned.insert("credentialSubject".into(), subject);
        let unsigned = lommebok::Credential::from_json(unsigned).unwrap();
        anchor.issue_at(&unsigned, from).unwrap().to_json_string()
    };
    let did = municipality().did().to_string();
    let twice = json!({"id": LIST_ID, "type": "TrustList", "sequence": 1, "issuers": [
        {"did": did, "legalName": "A", "credentialTypes": [AGE]},
        {"did": did, "legalName": "B", "credentialTypes": ["ResidenceCredential"]}]});
    let cases = [
        (twice, "listed twice"),
        (
            json!({"id": LIST_ID, "type": "TrustList", "sequence": "1"}),
            "sequence",
        ),
        (
            json!({"id": LIST_ID, "type": "TrustList", "sequence": -1}),
            "sequence",
        ),
        (
            json!({"id": LIST_ID, "type": "TrustListCredential", "sequence": 1}),
            "TrustList",
        ),
        (
            json!({"id": LIST_ID, "type": "TrustList", "sequence": 1,
                "issuers": [{"did": "not a did", "legalName": "A"}]}),
            "not a DID",
        ),
        (
            json!({"id": LIST_ID, "type": "TrustList", "sequence": 1,
                "issuers": [{"did": did, "legalName": "A", "credentialTypes": [7]}]}),
            "credentialTypes",
        ),
        (
            json!({"id": LIST_ID, "type": "TrustList", "sequence": 1,
                "issuers": [{"did": did, "legalName": "A", "validUntil": "tomorrow"}]}),
            "validUntil",
        ),
    ];
    for (subject, expected) in cases {
        let error = trust
            .add(&sign(subject.clone()), &support::verifier())
            .unwrap_err();
        assert!(
            matches!(error, TrustError::Malformed(_)) && error.to_string().contains(expected),
            "{subject}: {error}"
        );
    }
    // Not a trust list at all.
    let credential = support::residence(&anchor, "did:example:kari");
    assert!(matches!(
        trust.add(&credential.to_json_string(), &support::verifier()),
        Err(TrustError::Malformed(_))
    ));
    assert!(matches!(
        trust.add("{", &support::verifier()),
        Err(TrustError::Lommebok(_))
    ));
    assert!(trust.lists().is_empty());
}

#[test]
fn sd_jwt_issuers_are_checked_by_vct_and_only_through_their_did() {
    let verifier = trusting_verifier(trust_with(&signed_list(&anchor(), &contents(1), 365)));
    let issuer = municipality();
    let issue = |vct: &str| {
        issuer
            .issue_sd_jwt_at(
                json!({"age_over_18": true}).as_object().unwrap(),
                &[],
                &SdJwtOptions::new(vct),
                now() - days(1),
            )
            .unwrap()
    };
    let by_did = SdJwtIssuerKey::VerificationMethod(Did::key_verification_method(
        &key(Algorithm::Ed25519, 1).public_key(),
    ));
    let ok = verifier.verify_sd_jwt(&issue(AGE), &by_did, None).unwrap();
    assert!(trust_check(&ok.report).0, "{:#?}", ok.report);
    let other = verifier
        .verify_sd_jwt(&issue("urn:example:passport"), &by_did, None)
        .unwrap();
    assert!(
        trust_check(&other.report)
            .1
            .starts_with("listed but not for this type")
    );
    // With the key handed over directly, `iss` is not bound to it: no trust.
    let by_key = SdJwtIssuerKey::PublicKey(key(Algorithm::Ed25519, 1).public_key());
    let direct = verifier.verify_sd_jwt(&issue(AGE), &by_key, None).unwrap();
    assert!(!trust_check(&direct.report).0);
}

// --- the wallet's side: signed requests ------------------------------------------------------

fn age_query_json() -> Map<String, Value> {
    json!({"credentials": [{"id": "age", "format": "dc+sd-jwt",
        "meta": {"vct_values": [AGE]},
        "claims": [{"path": ["age_over_18"]}]}]})
    .as_object()
    .unwrap()
    .clone()
}

fn request_from(
    signer: &dyn lommebok::Signer,
    method: &str,
    query: Map<String, Value>,
    response_uri: &str,
) -> String {
    sign_request(
        &RequestParameters {
            dcql_query: query,
            nonce: "nonce-1".into(),
            response_uri: response_uri.into(),
            state: None,
        },
        signer,
        method,
        now(),
        Duration::minutes(5),
    )
    .unwrap()
}

fn pharmacy_request(query: Map<String, Value>, response_uri: &str) -> String {
    request_from(
        pharmacy_key().as_ref(),
        &pharmacy_method(),
        query,
        response_uri,
    )
}

fn wallet_trust() -> TrustLists {
    let trust = TrustLists::new([anchor().did().as_str()]);
    trust
        .add(
            &signed_list(&anchor(), &contents(1), 365),
            &support::verifier(),
        )
        .unwrap();
    trust
}

fn check(jwt: &str) -> Result<lommebok::trust::request::CheckedRequest, RequestError> {
    check_request(
        jwt,
        &wallet_trust(),
        &OfflineResolver,
        &RequestPolicy::default(),
        now(),
    )
}

#[test]
fn a_registered_request_within_its_registration_is_acceptable() {
    let checked = check(&pharmacy_request(age_query_json(), PHARMACY_RESPONSE)).unwrap();
    assert!(checked.is_acceptable(), "{:?}", checked.refusals);
    assert_eq!(checked.verifier_name(), "Apotek Nord");
    assert_eq!(checked.verifier, pharmacy_did().as_str());
    assert_eq!(
        checked.presentation_request().domain.as_deref(),
        Some(format!("{DID_CLIENT_PREFIX}{}", pharmacy_did()).as_str())
    );
    assert_eq!(
        checked.registration.unwrap().purpose,
        "age check for prescription medicine"
    );
}

#[test]
fn unsigned_request_is_rejected() {
    let signed = pharmacy_request(age_query_json(), PHARMACY_RESPONSE);
    let mut parts: Vec<&str> = signed.split('.').collect();
    // `alg: none` with the signature dropped.
    let none = base64_url(br#"{"alg":"none","typ":"oauth-authz-req+jwt"}"#);
    parts[0] = &none;
    let unsigned = format!("{}.{}.", parts[0], parts[1]);
    assert!(matches!(check(&unsigned), Err(RequestError::Unsigned(_))));
    // Just the payload, or nothing.
    assert!(matches!(check(parts[1]), Err(RequestError::Unsigned(_))));
    assert!(matches!(check(""), Err(RequestError::Unsigned(_))));
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn request_signed_by_another_key_is_rejected() {
    // A look-alike signs with its own key but names the pharmacy's key in `kid`.
    let look_alike = key(Algorithm::P256, 45);
    let forged = request_from(
        look_alike.as_ref(),
        &pharmacy_method(),
        age_query_json(),
        PHARMACY_RESPONSE,
    );
    assert!(matches!(check(&forged), Err(RequestError::Signature(_))));
    // A changed payload under the pharmacy's signature.
    let signed = pharmacy_request(age_query_json(), PHARMACY_RESPONSE);
    let parts: Vec<&str> = signed.split('.').collect();
    let mut payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap(),
    )
    .unwrap();
    payload["response_uri"] = json!("https://evil.example/collect");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64_url(payload.to_string().as_bytes()),
        parts[2]
    );
    assert!(matches!(check(&tampered), Err(RequestError::Signature(_))));
    // Truncated signature.
    let truncated = &signed[..signed.len() - 10];
    assert!(check(truncated).is_err());
}

#[test]
fn unregistered_verifier_is_refused() {
    // A look-alike "pharmacy": its own DID, signed correctly, but on no list.
    let look_alike = key(Algorithm::P256, 45);
    let method = Did::key_verification_method(&look_alike.public_key());
    let jwt = request_from(
        look_alike.as_ref(),
        &method,
        age_query_json(),
        PHARMACY_RESPONSE,
    );
    let checked = check(&jwt).unwrap();
    assert_eq!(checked.refusals, vec![Refusal::NotRegistered]);
    assert!(checked.registration.is_none());
    assert!(
        checked
            .verifier_name()
            .starts_with("unregistered verifier did:key:")
    );
    // Only a danger_ option lets it through.
    let mut lax = RequestPolicy::default();
    lax.danger_allow_unregistered = true;
    let checked = check_request(&jwt, &wallet_trust(), &OfflineResolver, &lax, now()).unwrap();
    assert!(checked.is_acceptable());
}

#[test]
fn over_asking_is_refused_and_named() {
    let query = json!({"credentials": [{"id": "age", "format": "dc+sd-jwt",
        "meta": {"vct_values": [AGE]},
        "claims": [{"path": ["age_over_18"]}, {"path": ["birthdate"]},
                   {"path": ["address", "street_address"]}]}]});
    let checked = check(&pharmacy_request(
        query.as_object().unwrap().clone(),
        PHARMACY_RESPONSE,
    ))
    .unwrap();
    let claims: Vec<&str> = checked
        .over_asking
        .iter()
        .map(|a| a.claim.as_str())
        .collect();
    assert_eq!(claims, ["birthdate", "address.street_address"]);
    assert!(matches!(&checked.refusals[..], [Refusal::OverAsking(asks)] if asks.len() == 2));
    assert_eq!(checked.verifier_name(), "Apotek Nord");

    // The whole credential, another type, or any type at all is over-asking too.
    for (query, claim) in [
        (
            json!({"credentials": [{"id": "a", "format": "dc+sd-jwt",
            "meta": {"vct_values": [AGE]}}]}),
            "every claim",
        ),
        (
            json!({"credentials": [{"id": "a", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:eudi:pid:1"]}, "claims": [{"path": ["age_over_18"]}]}]}),
            "urn:eudi:pid:1",
        ),
    ] {
        let checked = check(&pharmacy_request(
            query.as_object().unwrap().clone(),
            PHARMACY_RESPONSE,
        ))
        .unwrap();
        assert_eq!(checked.over_asking[0].claim, claim, "{query}");
        assert!(!checked.is_acceptable());
    }
}

#[test]
fn response_destination_not_registered_is_refused() {
    let checked = check(&pharmacy_request(
        age_query_json(),
        "https://apotek.example.evil.example/response",
    ))
    .unwrap();
    assert_eq!(
        checked.refusals,
        vec![Refusal::ResponseUriNotRegistered(
            "https://apotek.example.evil.example/response".into()
        )]
    );
}

#[test]
fn stale_or_long_lived_requests_are_rejected() {
    let make = |at: DateTime<Utc>, lifetime: Duration| {
        sign_request(
            &RequestParameters {
                dcql_query: age_query_json(),
                nonce: "n".into(),
                response_uri: PHARMACY_RESPONSE.into(),
                state: None,
            },
            pharmacy_key().as_ref(),
            &pharmacy_method(),
            at,
            lifetime,
        )
        .unwrap()
    };
    for jwt in [
        make(now() - Duration::hours(2), Duration::minutes(5)),
        make(now() + Duration::hours(2), Duration::minutes(5)),
        make(now(), Duration::days(30)),
    ] {
        assert!(matches!(check(&jwt), Err(RequestError::Expired(_))));
    }
}

fn fast_key() -> PassphraseKey {
    PassphraseKey::new("hemmelig")
        .with_params(Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
}

#[test]
fn the_wallet_answers_a_registered_request_and_the_answer_cannot_be_replayed_elsewhere() {
    let trust = Arc::new(wallet_trust());
    let wallet = HolderWallet::open(Arc::new(MemoryStorage::new()), &fast_key(), None).unwrap();
    let municipality = municipality();
    let sd_jwt = municipality
        .issue_sd_jwt_at(
            json!({"age_over_18": true, "birthdate": "1950-02-01"})
                .as_object()
                .unwrap(),
            &[
                lommebok::ClaimPath::parse("age_over_18").unwrap(),
                lommebok::ClaimPath::parse("birthdate").unwrap(),
            ],
            &SdJwtOptions::new(AGE).with_holder_key(wallet.public_key()),
            now() - days(1),
        )
        .unwrap();
    let issuer_key = SdJwtIssuerKey::VerificationMethod(Did::key_verification_method(
        &key(Algorithm::Ed25519, 1).public_key(),
    ));
    wallet
        .import(&sd_jwt, &support::verifier(), Some(&issuer_key))
        .unwrap();

    // The pharmacy's verifier signs its request.
    let pharmacy = trusting_verifier(trust.clone());
    let (jwt, request) = pharmacy
        .signed_request(
            pharmacy_key().as_ref(),
            &pharmacy_method(),
            &age_query_json(),
            PHARMACY_RESPONSE,
        )
        .unwrap();
    let checked = check_request(
        &jwt,
        &trust,
        &OfflineResolver,
        &RequestPolicy::default(),
        now(),
    )
    .unwrap();
    assert!(checked.is_acceptable());
    let choices = Choice::defaults(&wallet.answers(&checked.query).unwrap());
    let made = wallet.present_to_at(&checked, &choices, now()).unwrap();
    let log = wallet.activity().unwrap().records;
    assert_eq!(log[0].verifier, "Apotek Nord");
    assert_eq!(log[0].domain.as_deref(), request.domain.as_deref());

    let presentation = &made.presentations[0].presentation;
    let outcome = pharmacy
        .verify_sd_jwt(presentation, &issuer_key, Some(&request))
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    assert!(trust_check(&outcome.report).0);

    // Replayed by the pharmacy to a bank: the bank's audience is its own DID.
    let bank_key = key(Algorithm::P256, 46);
    let bank = trusting_verifier(trust.clone());
    let (_, bank_request) = bank
        .signed_request(
            bank_key.as_ref(),
            &Did::key_verification_method(&bank_key.public_key()),
            &age_query_json(),
            "https://bank.example/response",
        )
        .unwrap();
    // Even with the pharmacy's nonce, the audience does not match.
    bank.expect_challenge(&request.challenge);
    let replay = lommebok::PresentationRequest {
        challenge: request.challenge.clone(),
        domain: bank_request.domain.clone(),
    };
    let replayed = bank
        .verify_sd_jwt(presentation, &issuer_key, Some(&replay))
        .unwrap();
    assert!(!replayed.is_valid());
    assert!(
        replayed.report.failed(CheckKind::Domain),
        "{:#?}",
        replayed.report
    );
    assert_eq!(
        replayed.report.failures().count(),
        1,
        "{:#?}",
        replayed.report
    );
}

#[test]
fn the_wallet_will_not_answer_a_refused_request() {
    let trust = wallet_trust();
    let wallet = HolderWallet::open(Arc::new(MemoryStorage::new()), &fast_key(), None).unwrap();
    let look_alike = key(Algorithm::P256, 45);
    let method = Did::key_verification_method(&look_alike.public_key());
    let jwt = request_from(
        look_alike.as_ref(),
        &method,
        age_query_json(),
        PHARMACY_RESPONSE,
    );
    let checked = check_request(
        &jwt,
        &trust,
        &OfflineResolver,
        &RequestPolicy::default(),
        now(),
    )
    .unwrap();
    let error = wallet
        .present_to(&checked, &[Choice::new("age", "whatever", None)])
        .unwrap_err();
    assert!(matches!(error, HolderWalletError::Refused(_)), "{error}");
    assert!(wallet.activity().unwrap().records.is_empty());
    let _ = DcqlQuery::from_json(&age_query_json()).unwrap();
}

#[test]
fn a_revoked_trust_list_is_refused_and_a_revoked_list_is_not_used_after_a_recheck() {
    let revocations = "https://anchor.example/status/trust-lists";
    let registry = lommebok::status::StatusRegistry::in_memory();
    registry
        .create_list(revocations, lommebok::status::StatusPurpose::Revocation)
        .unwrap();
    let anchor = anchor().with_status(registry, &[revocations]);
    let from = now() - days(30);
    let unsigned = contents(1)
        .to_credential(anchor.did(), from, Some(from + days(365)))
        .unwrap();
    let mut json = unsigned.into_json();
    json.insert(
        "id".into(),
        json!("urn:uuid:7d1c5a50-0000-4000-8000-00000000aa01"),
    );
    let list = anchor
        .issue_at(&lommebok::Credential::from_json(json).unwrap(), from)
        .unwrap();
    assert_eq!(
        list.status_entries().len(),
        1,
        "the list has its own status entry"
    );
    let cache = Arc::new(lommebok::status::StatusListCache::new());
    let publish = |cache: &lommebok::status::StatusListCache| {
        let published = anchor
            .status_list_credential_at(revocations, now() - days(1), now() + days(1))
            .unwrap();
        cache.insert(revocations, &published.to_json_string());
    };
    publish(&cache);
    let verifier = support::verifier().with_status_source(cache.clone());
    let trust = TrustLists::new([anchor.did().as_str()]);
    trust.add(&list.to_json_string(), &verifier).unwrap();

    assert!(
        trust
            .issuer(municipality().did().as_str(), &[], now())
            .is_trusted()
    );
    assert!(trust.recheck(&verifier).is_empty(), "a list in force stays");

    anchor
        .revoke("urn:uuid:7d1c5a50-0000-4000-8000-00000000aa01")
        .unwrap();
    publish(&cache);
    // The held list is dropped at the next recheck, and its issuers are no longer trusted.
    let dropped = trust.recheck(&verifier);
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].0, LIST_ID);
    assert!(trust.lists().is_empty());
    assert_eq!(
        trust.issuer(municipality().did().as_str(), &[], now()),
        IssuerTrust::NotListed
    );
    let fresh = support::verifier().with_status_source(cache.clone());
    let again = TrustLists::new([anchor.did().as_str()]);
    let error = again.add(&list.to_json_string(), &fresh).unwrap_err();
    let TrustError::NotVerified { report } = &error else {
        panic!("{error}")
    };
    assert!(report.failed(CheckKind::Status), "{report:#?}");
    assert!(again.lists().is_empty());
    // Without the status list, a list with a status entry is not taken on trust either.
    let blind = TrustLists::new([anchor.did().as_str()]);
    assert!(
        blind
            .add(&list.to_json_string(), &support::verifier())
            .is_err()
    );
}

#[test]
fn an_anchor_cannot_sign_a_list_nobody_could_read() {
    let anchor = anchor();
    for bad in ["not-a-did", "", "did:"] {
        let mut contents = TrustListContents::new(LIST_ID, 1);
        contents.add_issuer(ListedIssuer::new(bad, "Tromsø kommune", [AGE]));
        let error = contents
            .to_credential(anchor.did(), now(), None)
            .unwrap_err();
        assert!(
            matches!(error, TrustError::Malformed(_)),
            "{bad:?}: {error}"
        );
        let mut contents = TrustListContents::new(LIST_ID, 1);
        contents.add_verifier(RegisteredVerifier::new(
            pharmacy_did().as_str(),
            "",
            "purpose",
        ));
        assert!(contents.to_credential(anchor.did(), now(), None).is_err());
    }
}
