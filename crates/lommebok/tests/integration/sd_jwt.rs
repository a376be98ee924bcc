//! SD-JWT VC (RFC 9901, draft-ietf-oauth-sd-jwt-vc): issue → present → verify, with both key
//! types for issuer and holder, the wire shapes, and agreement with ssi's SD-JWT.
//! Shared fixtures for `sd_jwt_negative` and `sd_jwt_vectors` are here too.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use lommebok::sd_jwt::{self, ClaimPath, PathSegment, SdJwtIssuerKey, SdJwtOptions};
use lommebok::{
    Algorithm, CheckKind, Error, Issuer, PresentationRequest, Signer as _, Verification,
    VerifiedSdJwt, Verifier, Wallet,
};
use serde_json::{Map, Value, json};

use crate::support::{self, key, now};

/// The audience every test's verifier uses.
pub const AUD: &str = "https://apotek.example";

pub fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

pub fn paths(paths: &[&str]) -> Vec<ClaimPath> {
    paths.iter().map(|p| ClaimPath::parse(p).unwrap()).collect()
}

pub fn issuer(algorithm: Algorithm) -> Issuer {
    Issuer::new(key(algorithm, 1))
}

pub fn wallet(algorithm: Algorithm) -> Wallet {
    Wallet::new(key(algorithm, 2))
}

/// The issuer's `did:key` verification method, for the verifier.
pub fn issuer_key(issuer: &Issuer) -> SdJwtIssuerKey {
    let did = issuer.did();
    SdJwtIssuerKey::VerificationMethod(format!("{did}#{}", did.method_specific_id()))
}

/// The claims of a person identification credential.
pub fn pid_claims() -> Map<String, Value> {
    object(json!({
        "given_name": "Kari",
        "family_name": "Nordmann",
        "birthdate": "1990-02-03",
        "age_over_18": true,
        "address": {
            "street_address": "Storgata 1",
            "locality": "Tromsø",
            "country": "NO"
        },
        "nationalities": ["NO", "SE"]
    }))
}

/// Every claim of [`pid_claims`] disclosable, nested ones included.
pub fn pid_disclosable() -> Vec<ClaimPath> {
    paths(&[
        "given_name",
        "family_name",
        "birthdate",
        "age_over_18",
        "address",
        "address.street_address",
        "address.locality",
        "nationalities.0",
        "nationalities.1",
    ])
}

/// Options for a PID bound to `wallet`, valid through 2026.
pub fn bound_options(wallet: &Wallet) -> SdJwtOptions {
    SdJwtOptions::new("urn:eudi:pid:1")
        .with_holder_key(wallet.public_key())
        .valid_until(now() + Duration::days(200))
}

/// A PID from `issuer` bound to `wallet`.
pub fn issue_pid(issuer: &Issuer, wallet: &Wallet) -> String {
    issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &bound_options(wallet),
            now() - Duration::days(1),
        )
        .unwrap()
}

/// Presents `sd_jwt` from `wallet` to `request`, now.
pub fn present(
    wallet: &Wallet,
    sd_jwt: &str,
    disclose: &[&str],
    request: &PresentationRequest,
) -> String {
    wallet
        .present_sd_jwt_at(
            sd_jwt,
            &paths(disclose),
            &request.challenge,
            request.domain.as_deref().unwrap(),
            now(),
        )
        .unwrap()
}

/// Verifies and asserts valid.
pub fn verify_valid(
    verifier: &Verifier,
    presentation: &str,
    issuer: &SdJwtIssuerKey,
    request: Option<&PresentationRequest>,
) -> VerifiedSdJwt {
    let outcome = verifier
        .verify_sd_jwt(presentation, issuer, request)
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    outcome.into_verified().unwrap()
}

/// Verifies, asserts invalid, and returns the failed check kinds.
pub fn failed_checks(
    verifier: &Verifier,
    presentation: &str,
    issuer: &SdJwtIssuerKey,
    request: Option<&PresentationRequest>,
) -> Vec<CheckKind> {
    let outcome: Verification<VerifiedSdJwt> = verifier
        .verify_sd_jwt(presentation, issuer, request)
        .unwrap();
    assert!(!outcome.is_valid(), "accepted: {:#?}", outcome.report);
    assert!(outcome.verified().is_none());
    outcome.report.failures().map(|c| c.check).collect()
}

/// The claims a verifier sees, without the registered ones every SD-JWT VC shows.
pub fn user_claims(verified: &VerifiedSdJwt) -> Map<String, Value> {
    let mut claims = verified.claims().clone();
    for name in ["iss", "iat", "exp", "nbf", "vct", "cnf"] {
        claims.remove(name);
    }
    claims
}

/// Decodes a base64url JSON part.
pub fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

const KEY_PAIRS: [(Algorithm, Algorithm); 4] = [
    (Algorithm::Ed25519, Algorithm::Ed25519),
    (Algorithm::Ed25519, Algorithm::P256),
    (Algorithm::P256, Algorithm::Ed25519),
    (Algorithm::P256, Algorithm::P256),
];

#[test]
fn rfc9901_5_round_trip_with_both_key_types_for_issuer_and_holder() {
    for (issuer_alg, holder_alg) in KEY_PAIRS {
        let (issuer, wallet, verifier) =
            (issuer(issuer_alg), wallet(holder_alg), support::verifier());
        let sd_jwt = issue_pid(&issuer, &wallet);
        let request = verifier.request(Some(AUD));
        let presentation = present(
            &wallet,
            &sd_jwt,
            &["given_name", "address.locality", "nationalities.1"],
            &request,
        );
        let verified = verify_valid(
            &verifier,
            &presentation,
            &issuer_key(&issuer),
            Some(&request),
        );
        assert_eq!(
            Value::Object(user_claims(&verified)),
            json!({
                "given_name": "Kari",
                "address": {"locality": "Tromsø", "country": "NO"},
                "nationalities": ["SE"]
            }),
            "{issuer_alg} issuer, {holder_alg} holder"
        );
        assert_eq!(verified.vct(), Some("urn:eudi:pid:1"));
        assert_eq!(verified.issuer(), Some(issuer.did().as_str()));
        assert_eq!(verified.holder_key(), Some(&wallet.public_key()));
        assert_eq!(verified.status(), None);
    }
}

#[test]
fn over_18_story_discloses_only_age_over_18() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::P256),
        wallet(Algorithm::P256),
        support::verifier(),
    );
    // A pharmacy needs to know the customer is an adult, and nothing else.
    let claims = object(json!({
        "age_over_18": true,
        "given_name": "Kari",
        "birthdate": "1990-02-03",
        "address": {"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"}
    }));
    let disclosable = paths(&[
        "age_over_18",
        "given_name",
        "birthdate",
        "address",
        "address.street_address",
    ]);
    let sd_jwt = issuer
        .issue_sd_jwt_at(&claims, &disclosable, &bound_options(&wallet), now())
        .unwrap();
    let request = verifier.request(Some(AUD));
    let presentation = present(&wallet, &sd_jwt, &["age_over_18"], &request);
    // One disclosure travels: the issuer-signed JWT, one disclosure, the KB-JWT.
    assert_eq!(presentation.matches('~').count(), 2);
    let travelled = sd_jwt::inspect(&presentation).unwrap().disclosures;
    assert_eq!(travelled.len(), 1);
    assert_eq!(travelled[0].name(), Some("age_over_18"));
    let verified = verify_valid(
        &verifier,
        &presentation,
        &issuer_key(&issuer),
        Some(&request),
    );
    assert_eq!(
        Value::Object(user_claims(&verified)),
        json!({"age_over_18": true})
    );
    for hidden in ["given_name", "birthdate", "address"] {
        assert!(!verified.claims().contains_key(hidden), "{hidden} leaked");
    }
}

#[test]
fn rfc9901_4_nested_path_keeps_its_parents_disclosures() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::Ed25519),
        wallet(Algorithm::Ed25519),
        support::verifier(),
    );
    let sd_jwt = issue_pid(&issuer, &wallet);
    let request = verifier.request(Some(AUD));
    // `address` is itself disclosable: showing a member needs its disclosure too, but not the
    // other members'.
    let presentation = present(&wallet, &sd_jwt, &["address.street_address"], &request);
    assert_eq!(presentation.matches('~').count(), 3);
    let verified = verify_valid(
        &verifier,
        &presentation,
        &issuer_key(&issuer),
        Some(&request),
    );
    assert_eq!(
        verified.claims()["address"],
        json!({"street_address": "Storgata 1", "country": "NO"})
    );
    // Disclosing the parent discloses everything in it.
    let request = verifier.request(Some(AUD));
    let presentation = present(&wallet, &sd_jwt, &["address"], &request);
    let verified = verify_valid(
        &verifier,
        &presentation,
        &issuer_key(&issuer),
        Some(&request),
    );
    assert_eq!(verified.claims()["address"], pid_claims()["address"]);
}

#[test]
fn disclosing_nothing_and_everything() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::Ed25519),
        wallet(Algorithm::P256),
        support::verifier(),
    );
    let sd_jwt = issue_pid(&issuer, &wallet);
    let request = verifier.request(Some(AUD));
    let none = present(&wallet, &sd_jwt, &[], &request);
    let verified = verify_valid(&verifier, &none, &issuer_key(&issuer), Some(&request));
    assert_eq!(
        Value::Object(user_claims(&verified)),
        json!({"nationalities": []})
    );
    let request = verifier.request(Some(AUD));
    let contents = sd_jwt::inspect(&sd_jwt).unwrap();
    let all: Vec<String> = contents
        .disclosable
        .iter()
        .map(ToString::to_string)
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let everything = present(&wallet, &sd_jwt, &all, &request);
    let verified = verify_valid(&verifier, &everything, &issuer_key(&issuer), Some(&request));
    assert_eq!(user_claims(&verified), pid_claims());
}

#[test]
fn inspect_lists_every_disclosable_claim() {
    let (issuer, wallet) = (issuer(Algorithm::Ed25519), wallet(Algorithm::Ed25519));
    let sd_jwt = issue_pid(&issuer, &wallet);
    let contents = sd_jwt::inspect(&sd_jwt).unwrap();
    let mut listed: Vec<String> = contents
        .disclosable
        .iter()
        .map(ToString::to_string)
        .collect();
    listed.sort();
    let mut expected: Vec<String> = pid_disclosable().iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(listed, expected);
    for name in ["iss", "iat", "exp", "vct", "cnf"] {
        assert!(contents.claims.contains_key(name), "{name}");
    }
    assert_eq!(contents.disclosures.len(), 9);
}

#[test]
fn unbound_credential_is_presented_without_key_binding() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::P256),
        wallet(Algorithm::Ed25519),
        support::verifier(),
    );
    let sd_jwt = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &SdJwtOptions::new("urn:eudi:pid:1"),
            now(),
        )
        .unwrap();
    let presentation = wallet
        .present_sd_jwt_without_key_binding(&sd_jwt, &paths(&["family_name"]))
        .unwrap();
    assert!(presentation.ends_with('~'));
    let verified = verify_valid(&verifier, &presentation, &issuer_key(&issuer), None);
    assert_eq!(verified.claims()["family_name"], "Nordmann");
    assert_eq!(verified.holder_key(), None);
    // The holder cannot bind what is not bound…
    assert!(matches!(
        wallet.present_sd_jwt(&sd_jwt, &[], "n", AUD),
        Err(Error::SdJwt(sd_jwt::SdJwtError::KeyBinding(_)))
    ));
    // …nor leave the binding off a bound credential.
    let bound = issue_pid(&issuer, &wallet);
    assert!(matches!(
        wallet.present_sd_jwt_without_key_binding(&bound, &[]),
        Err(Error::SdJwt(sd_jwt::SdJwtError::KeyBinding(_)))
    ));
}

#[test]
fn a_wallet_cannot_present_another_holders_credential() {
    let issuer = issuer(Algorithm::Ed25519);
    let sd_jwt = issue_pid(&issuer, &wallet(Algorithm::Ed25519));
    let other = Wallet::new(key(Algorithm::Ed25519, 9));
    assert!(matches!(
        other.present_sd_jwt(&sd_jwt, &[], "n", AUD),
        Err(Error::NotForHolder { .. })
    ));
}

#[test]
fn holder_paths_that_lead_nowhere_are_errors() {
    let (issuer, wallet) = (issuer(Algorithm::Ed25519), wallet(Algorithm::Ed25519));
    let sd_jwt = issue_pid(&issuer, &wallet);
    for missing in ["email", "address.postal_code", "nationalities.5"] {
        assert!(
            matches!(
                wallet.present_sd_jwt(&sd_jwt, &paths(&[missing]), "n", AUD),
                Err(Error::SdJwt(sd_jwt::SdJwtError::PathNotFound { .. }))
            ),
            "{missing}"
        );
    }
    // A presentation is not re-presented.
    let presentation = wallet.present_sd_jwt(&sd_jwt, &[], "n", AUD).unwrap();
    assert!(matches!(
        wallet.present_sd_jwt(&presentation, &[], "n", AUD),
        Err(Error::SdJwt(sd_jwt::SdJwtError::Malformed(_)))
    ));
}

#[test]
fn issuer_refuses_bad_paths_and_reserved_claims() {
    let issuer = issuer(Algorithm::Ed25519);
    let options = SdJwtOptions::new("urn:example:t");
    let claims = pid_claims();
    let issue = |claims: &Map<String, Value>, disclosable: &[ClaimPath], options: &SdJwtOptions| {
        issuer.issue_sd_jwt_at(claims, disclosable, options, now())
    };
    // Paths that parse but lead nowhere.
    for missing in [
        "email",
        "address.zip",
        "nationalities.2",
        "given_name.x",
        "address.0",
    ] {
        assert!(
            matches!(
                issue(&claims, &paths(&[missing]), &options),
                Err(Error::SdJwt(sd_jwt::SdJwtError::PathNotFound { .. }))
            ),
            "{missing}"
        );
    }
    // Paths that never parse.
    for never in [
        "iss", "vct", "cnf", "status", "exp", "nbf", "iat", "_sd_alg", "a._sd", "",
    ] {
        assert!(
            matches!(
                ClaimPath::parse(never),
                Err(sd_jwt::SdJwtError::InvalidPath { .. })
            ),
            "{never}"
        );
    }
    // The same path twice.
    assert!(matches!(
        issue(&claims, &paths(&["given_name", "given_name"]), &options),
        Err(Error::SdJwt(sd_jwt::SdJwtError::InvalidPath { .. }))
    ));
    // Registered claims come from the options; keywords are never names.
    for (name, value) in [
        ("iss", json!("x")),
        ("iat", json!(1)),
        ("vct", json!("x")),
        ("cnf", json!({})),
        ("_sd", json!([])),
    ] {
        let mut with = claims.clone();
        with.insert(name.into(), value);
        assert!(
            matches!(
                issue(&with, &[], &options),
                Err(Error::SdJwt(sd_jwt::SdJwtError::ReservedClaim { .. }))
            ),
            "{name}"
        );
    }
    let nested = object(json!({"list": [{"...": "x"}]}));
    assert!(matches!(
        issue(&nested, &[], &options),
        Err(Error::SdJwt(sd_jwt::SdJwtError::ReservedClaim { .. }))
    ));
    assert!(matches!(
        issue(&claims, &[], &SdJwtOptions::default()),
        Err(Error::SdJwt(sd_jwt::SdJwtError::MissingType))
    ));
}

#[test]
fn sd_jwt_vc_wire_shape_is_pinned() {
    let (issuer, wallet) = (issuer(Algorithm::Ed25519), wallet(Algorithm::P256));
    let sd_jwt = issue_pid(&issuer, &wallet);
    let parts: Vec<&str> = sd_jwt.split('~').collect();
    assert_eq!(
        parts.len(),
        1 + 9 + 1,
        "JWT, 9 disclosures, and the final empty part"
    );
    assert_eq!(parts.last(), Some(&""));
    let jwt: Vec<&str> = parts[0].split('.').collect();
    let did = issuer.did().as_str();
    assert_eq!(
        decode_part(jwt[0]),
        json!({
            "alg": "EdDSA",
            "typ": "dc+sd-jwt",
            "kid": format!("{did}#{}", issuer.did().method_specific_id())
        })
    );
    let payload = decode_part(jwt[1]);
    let payload = payload.as_object().unwrap();
    let names: Vec<&str> = payload.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "iss",
            "iat",
            "exp",
            "vct",
            "cnf",
            "nationalities",
            "_sd",
            "_sd_alg"
        ]
    );
    assert_eq!(payload["iss"], did);
    assert_eq!(payload["iat"], (now() - Duration::days(1)).timestamp());
    assert_eq!(payload["exp"], (now() + Duration::days(200)).timestamp());
    assert_eq!(payload["cnf"], json!({"jwk": wallet.public_key().to_jwk()}));
    assert_eq!(payload["_sd_alg"], "sha-256");
    // Five top-level digests, sorted; two array elements as {"...": digest}.
    let digests: Vec<&str> = payload["_sd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(digests.len(), 5);
    assert!(digests.is_sorted());
    for element in payload["nationalities"].as_array().unwrap() {
        let element = element.as_object().unwrap();
        assert_eq!(element.keys().collect::<Vec<_>>(), ["..."]);
    }
    // Disclosures: [salt (128 bits), name, value] or [salt, value].
    for part in &parts[1..10] {
        let disclosure = decode_part(part);
        let items = disclosure.as_array().unwrap();
        assert!(items.len() == 2 || items.len() == 3, "{disclosure}");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(items[0].as_str().unwrap())
                .unwrap()
                .len(),
            16
        );
    }

    let verifier = support::verifier();
    let request = verifier.request(Some(AUD));
    let presentation = present(&wallet, &sd_jwt, &["given_name"], &request);
    let kb: Vec<&str> = presentation
        .rsplit('~')
        .next()
        .unwrap()
        .split('.')
        .collect();
    assert_eq!(decode_part(kb[0]), json!({"alg": "ES256", "typ": "kb+jwt"}));
    let without_kb = &presentation[..presentation.rfind('~').unwrap() + 1];
    assert_eq!(
        decode_part(kb[1]),
        json!({
            "iat": now().timestamp(),
            "aud": AUD,
            "nonce": request.challenge,
            "sd_hash": sd_jwt::digest(without_kb)
        })
    );
}

#[test]
fn rfc9901_4_2_5_decoys_hide_the_number_of_claims() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::Ed25519),
        wallet(Algorithm::Ed25519),
        support::verifier(),
    );
    let sd_jwt = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &bound_options(&wallet).with_decoys(3),
            now(),
        )
        .unwrap();
    let payload = decode_part(sd_jwt.split('.').nth(1).unwrap());
    assert_eq!(payload["_sd"].as_array().unwrap().len(), 5 + 3);
    assert_eq!(payload["nationalities"].as_array().unwrap().len(), 2 + 3);
    let contents = sd_jwt::inspect(&sd_jwt).unwrap();
    let address = contents
        .disclosures
        .iter()
        .find(|d| d.name() == Some("address"))
        .unwrap();
    assert_eq!(address.value()["_sd"].as_array().unwrap().len(), 2 + 3);
    // Still exactly the claims issued.
    let request = verifier.request(Some(AUD));
    let all: Vec<String> = contents
        .disclosable
        .iter()
        .map(ToString::to_string)
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let presentation = present(&wallet, &sd_jwt, &all, &request);
    let verified = verify_valid(
        &verifier,
        &presentation,
        &issuer_key(&issuer),
        Some(&request),
    );
    assert_eq!(user_claims(&verified), pid_claims());
}

#[test]
fn issuer_key_given_as_a_jwk() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::P256),
        wallet(Algorithm::Ed25519),
        support::verifier(),
    );
    let sd_jwt = issue_pid(&issuer, &wallet);
    let request = verifier.request(Some(AUD));
    let presentation = present(&wallet, &sd_jwt, &["birthdate"], &request);
    let jwk = key(Algorithm::P256, 1).public_key().to_jwk();
    let by_jwk = SdJwtIssuerKey::from_jwk(&jwk).unwrap();
    let verified = verify_valid(&verifier, &presentation, &by_jwk, Some(&request));
    assert_eq!(verified.claims()["birthdate"], "1990-02-03");
}

#[test]
fn array_elements_and_paths_through_them() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::Ed25519),
        wallet(Algorithm::Ed25519),
        support::verifier(),
    );
    let claims = object(json!({
        "degrees": [
            {"type": "BSc", "field": "physics"},
            {"type": "MSc", "field": "astronomy"}
        ],
        "codes": {"007": "x", "7": "y"},
        "matrix": [["a", "b"], ["c", "d"]]
    }));
    let disclosable = vec![
        ClaimPath::parse("degrees.0").unwrap(),
        ClaimPath::parse("degrees.1.field").unwrap(),
        ClaimPath::parse("codes.007").unwrap(),
        ClaimPath::parse("codes.7").unwrap(),
        ClaimPath::parse("matrix.1").unwrap(),
        ClaimPath::parse("matrix.1.0").unwrap(),
        ClaimPath::from_segments([PathSegment::from("matrix"), 0.into(), 1.into()]).unwrap(),
    ];
    let sd_jwt = issuer
        .issue_sd_jwt_at(&claims, &disclosable, &bound_options(&wallet), now())
        .unwrap();
    let request = verifier.request(Some(AUD));
    let presentation = present(
        &wallet,
        &sd_jwt,
        &["degrees.1.field", "codes.7", "matrix.1.0"],
        &request,
    );
    let verified = verify_valid(
        &verifier,
        &presentation,
        &issuer_key(&issuer),
        Some(&request),
    );
    assert_eq!(
        Value::Object(user_claims(&verified)),
        json!({
            "degrees": [{"type": "MSc", "field": "astronomy"}],
            "codes": {"7": "y"},
            // `matrix.1.1` ("d") is not selectively disclosable: it shows with `matrix.1`.
            "matrix": [["a"], ["c", "d"]]
        })
    );
}

#[test]
fn ssi_sd_jwt_reveals_what_lommebok_issues() {
    // ssi's SD-JWT is an independent implementation: it must find the same claims in what
    // lommebok issues, and lommebok's digests must be its digests.
    use ssi_sd_jwt::{SdAlg, SdJwt};
    for algorithm in [Algorithm::Ed25519, Algorithm::P256] {
        let (issuer, wallet) = (issuer(algorithm), wallet(algorithm));
        let sd_jwt = issue_pid(&issuer, &wallet);
        let revealed = SdJwt::new(&sd_jwt).unwrap().decode_reveal_any().unwrap();
        let ssi_claims = serde_json::to_value(revealed.claims()).unwrap();
        let ours = sd_jwt::inspect(&sd_jwt).unwrap();
        assert_eq!(ssi_claims, Value::Object(ours.claims));
        for disclosure in &ours.disclosures {
            let theirs = ssi_sd_jwt::Disclosure::new(disclosure.encoded()).unwrap();
            assert_eq!(SdAlg::Sha256.hash(theirs), disclosure.digest());
        }
    }
}

#[test]
fn verified_claims_keep_the_registered_claims() {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::Ed25519),
        wallet(Algorithm::Ed25519),
        support::verifier(),
    );
    let sd_jwt = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &[],
            &bound_options(&wallet)
                .with_issuer("https://pid.example")
                .valid_from(now() - Duration::hours(1)),
            now(),
        )
        .unwrap();
    let request = verifier.request(Some(AUD));
    let presentation = present(&wallet, &sd_jwt, &[], &request);
    // iss is not the DID: the key must then be given directly.
    let key = SdJwtIssuerKey::from(key(Algorithm::Ed25519, 1).public_key());
    let verified = verify_valid(&verifier, &presentation, &key, Some(&request));
    assert_eq!(verified.issuer(), Some("https://pid.example"));
    let claims = verified.claims();
    assert_eq!(claims["nbf"], (now() - Duration::hours(1)).timestamp());
    assert_eq!(claims["iat"], now().timestamp());
    assert!(!claims.contains_key("_sd") && !claims.contains_key("_sd_alg"));
}

#[test]
fn rfc9901_4_2_5_decoys_are_bounded() {
    let issuer = issuer(Algorithm::Ed25519);
    let options = SdJwtOptions::new("urn:eudi:pid:1").with_decoys(lommebok::sd_jwt::MAX_DECOYS + 1);
    let err = issuer
        .issue_sd_jwt_at(&pid_claims(), &pid_disclosable(), &options, now())
        .unwrap_err();
    assert!(err.to_string().contains("decoys"), "{err}");
    let options = SdJwtOptions::new("urn:eudi:pid:1").with_decoys(lommebok::sd_jwt::MAX_DECOYS);
    assert!(
        issuer
            .issue_sd_jwt_at(&pid_claims(), &pid_disclosable(), &options, now())
            .is_ok()
    );
}

#[test]
fn issuer_identified_by_did_jwk() {
    for algorithm in [Algorithm::Ed25519, Algorithm::P256] {
        let issuer = issuer(algorithm);
        let holder = wallet(algorithm);
        let signing_key = lommebok::Signer::public_key(key(algorithm, 1).as_ref());
        let did_jwk = lommebok::Did::jwk_from_public_key(&signing_key);
        let options = bound_options(&holder).with_issuer(did_jwk.to_string());
        let sd_jwt = issuer
            .issue_sd_jwt_at(&pid_claims(), &pid_disclosable(), &options, now())
            .unwrap();
        let verifier = support::verifier();
        let request = verifier.request(Some(AUD));
        let presentation = present(&holder, &sd_jwt, &["age_over_18"], &request);
        let by_jwk = SdJwtIssuerKey::VerificationMethod(format!("{did_jwk}#0"));
        let verified = verify_valid(&verifier, &presentation, &by_jwk, Some(&request));
        assert_eq!(verified.claims()["iss"], did_jwk.as_str());
        // The did:key of the same key is another DID: `iss` no longer matches.
        let request = verifier.request(Some(AUD));
        let presentation = present(&holder, &sd_jwt, &["age_over_18"], &request);
        assert!(
            failed_checks(
                &verifier,
                &presentation,
                &issuer_key(&issuer),
                Some(&request)
            )
            .contains(&CheckKind::IssuerKey)
        );
    }
}
