//! Everything an SD-JWT VC verifier must refuse (RFC 9901 §7, draft-ietf-oauth-sd-jwt-vc §3),
//! one named test each: a failed check in the report naming what is wrong, or an error for
//! input that cannot be read, never a panic.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use lommebok::clock::FixedClock;
use lommebok::sd_jwt::{self, SdJwtIssuerKey, SdJwtOptions};
use lommebok::{
    Algorithm, CheckKind, Error, Policy, PresentationRequest, Signer, SoftwareKey, Verifier, Wallet,
};
use serde_json::{Map, Value, json};

use crate::sd_jwt::{
    AUD, decode_part, failed_checks, issue_pid, issuer, issuer_key, object, paths, pid_claims,
    pid_disclosable, present, verify_valid, wallet,
};
use crate::support::{self, key, now};

/// The issuer's signing key (the one `sd_jwt::issuer(Ed25519)` signs with).
fn issuer_signer() -> Arc<SoftwareKey> {
    key(Algorithm::Ed25519, 1)
}

/// A key-bound PID, presented with every claim hidden except `given_name`, to a fresh request.
struct Bound {
    issuer: SdJwtIssuerKey,
    wallet: Wallet,
    verifier: Verifier,
    sd_jwt: String,
    request: PresentationRequest,
    presentation: String,
}

fn bound() -> Bound {
    let (issuer, wallet, verifier) = (
        issuer(Algorithm::Ed25519),
        wallet(Algorithm::P256),
        support::verifier(),
    );
    let sd_jwt = issue_pid(&issuer, &wallet);
    let request = verifier.request(Some(AUD));
    let presentation = present(&wallet, &sd_jwt, &["given_name"], &request);
    let bound = Bound {
        issuer: issuer_key(&issuer),
        wallet,
        verifier,
        sd_jwt,
        request,
        presentation,
    };
    // The baseline every test below starts from verifies.
    let request = bound.verifier.request(Some(AUD));
    let baseline = present(&bound.wallet, &bound.sd_jwt, &["given_name"], &request);
    verify_valid(&bound.verifier, &baseline, &bound.issuer, Some(&request));
    bound
}

impl Bound {
    fn failed(&self, presentation: &str) -> Vec<CheckKind> {
        failed_checks(
            &self.verifier,
            presentation,
            &self.issuer,
            Some(&self.request),
        )
    }

    /// The presentation without its KB-JWT (ending in `~`).
    fn without_kb(&self) -> &str {
        &self.presentation[..self.presentation.rfind('~').unwrap() + 1]
    }

    /// A KB-JWT over `presented` (which ends in `~`), with `edit` applied to a correct payload.
    fn kb_jwt(
        &self,
        presented: &str,
        signer: &dyn Signer,
        typ: &str,
        edit: impl FnOnce(&mut Map<String, Value>),
    ) -> String {
        let mut payload = object(json!({
            "iat": now().timestamp(),
            "aud": AUD,
            "nonce": self.request.challenge,
            "sd_hash": sd_jwt::digest(presented),
        }));
        edit(&mut payload);
        lommebok::jws::sign(&payload, typ, None, &Map::new(), signer).unwrap()
    }
}

/// An SD-JWT without `cnf` carrying all its disclosures: valid with no request and no KB-JWT,
/// so that a test can break one thing and see exactly one check fail.
fn unbound() -> String {
    let issuer = issuer(Algorithm::Ed25519);
    let sd_jwt = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &SdJwtOptions::new("urn:eudi:pid:1").valid_until(now() + Duration::days(30)),
            now(),
        )
        .unwrap();
    verify_unbound_valid(&sd_jwt);
    sd_jwt
}

fn unbound_failures(sd_jwt: &str) -> Vec<CheckKind> {
    failed_checks(
        &support::verifier(),
        sd_jwt,
        &issuer_key(&issuer(Algorithm::Ed25519)),
        None,
    )
}

fn verify_unbound_valid(sd_jwt: &str) {
    verify_valid(
        &support::verifier(),
        sd_jwt,
        &issuer_key(&issuer(Algorithm::Ed25519)),
        None,
    );
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A disclosure with a fresh salt.
fn disclosure(contents: Value) -> String {
    let mut items = vec![json!("c2FsdHNhbHRzYWx0c2FsdA")];
    items.extend(contents.as_array().unwrap().iter().cloned());
    b64(&Value::Array(items))
}

/// Re-signs the issuer-signed JWT of `sd_jwt` with `signer` after `edit` (header, payload);
/// the disclosures and any KB-JWT stay as they were. A `None` signer leaves the signature empty.
fn forge(
    sd_jwt: &str,
    signer: Option<&dyn Signer>,
    edit: impl FnOnce(&mut Map<String, Value>, &mut Map<String, Value>),
) -> String {
    let (jwt, rest) = sd_jwt.split_once('~').unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut header = object(decode_part(parts[0]));
    let mut payload = object(decode_part(parts[1]));
    edit(&mut header, &mut payload);
    let input = format!(
        "{}.{}",
        b64(&Value::Object(header)),
        b64(&Value::Object(payload))
    );
    let signature = signer
        .map(|s| URL_SAFE_NO_PAD.encode(s.sign(input.as_bytes()).unwrap()))
        .unwrap_or_default();
    format!("{input}.{signature}~{rest}")
}

/// Adds a disclosure of `contents` to `sd_jwt` (unbound, ending in `~`), its digest in the
/// top-level `_sd`, re-signed by the issuer: what a faulty or hostile issuer could send.
fn with_issuer_signed_disclosure(sd_jwt: &str, contents: Value) -> String {
    let encoded = disclosure(contents);
    let digest = sd_jwt::digest(&encoded);
    let signer = issuer_signer();
    let forged = forge(sd_jwt, Some(signer.as_ref()), |_, payload| {
        payload["_sd"].as_array_mut().unwrap().push(digest.into());
    });
    format!("{forged}{encoded}~")
}

// --- Key binding (RFC 9901 §7.3) ---

#[test]
fn rfc9901_7_3_key_binding_rejects_wrong_nonce() {
    let b = bound();
    let presentation = b
        .wallet
        .present_sd_jwt_at(
            &b.sd_jwt,
            &paths(&["given_name"]),
            "not-the-nonce",
            AUD,
            now(),
        )
        .unwrap();
    assert_eq!(b.failed(&presentation), [CheckKind::Challenge]);
}

#[test]
fn rfc9901_7_3_key_binding_rejects_wrong_audience() {
    let b = bound();
    let presentation = b
        .wallet
        .present_sd_jwt_at(
            &b.sd_jwt,
            &paths(&["given_name"]),
            &b.request.challenge,
            "https://evil.example",
            now(),
        )
        .unwrap();
    assert_eq!(b.failed(&presentation), [CheckKind::Domain]);
}

#[test]
fn rfc9901_7_3_key_binding_rejects_stale_iat() {
    let b = bound();
    // Default: 5 minutes plus 60 s of skew.
    let stale = b
        .wallet
        .present_sd_jwt_at(
            &b.sd_jwt,
            &[],
            &b.request.challenge,
            AUD,
            now() - Duration::minutes(7),
        )
        .unwrap();
    assert_eq!(b.failed(&stale), [CheckKind::KeyBinding]);
}

#[test]
fn rfc9901_7_3_key_binding_rejects_iat_in_the_future() {
    let b = bound();
    let future = b
        .wallet
        .present_sd_jwt_at(
            &b.sd_jwt,
            &[],
            &b.request.challenge,
            AUD,
            now() + Duration::minutes(5),
        )
        .unwrap();
    assert_eq!(b.failed(&future), [CheckKind::KeyBinding]);
}

#[test]
fn rfc9901_7_3_key_binding_within_the_window_is_accepted() {
    let b = bound();
    let recent = b
        .wallet
        .present_sd_jwt_at(
            &b.sd_jwt,
            &[],
            &b.request.challenge,
            AUD,
            now() - Duration::minutes(5),
        )
        .unwrap();
    verify_valid(&b.verifier, &recent, &b.issuer, Some(&b.request));
}

#[test]
fn rfc9901_7_3_key_binding_rejects_another_key() {
    let b = bound();
    let other = key(Algorithm::P256, 7);
    let kb = b.kb_jwt(b.without_kb(), other.as_ref(), "kb+jwt", |_| {});
    assert_eq!(
        b.failed(&format!("{}{kb}", b.without_kb())),
        [CheckKind::KeyBinding]
    );
}

#[test]
fn rfc9901_7_3_key_binding_rejects_wrong_kb_type() {
    // Signed by the holder key (the wallet's), but not typed as a KB-JWT.
    let holder = key(Algorithm::P256, 2);
    for typ in ["JWT", "kb+JWT", "dc+sd-jwt"] {
        let b = bound();
        let kb = b.kb_jwt(b.without_kb(), holder.as_ref(), typ, |_| {});
        assert_eq!(
            b.failed(&format!("{}{kb}", b.without_kb())),
            [CheckKind::KeyBinding],
            "{typ}"
        );
    }
    // The same with `kb+jwt` verifies: only the type was wrong.
    let b = bound();
    let kb = b.kb_jwt(b.without_kb(), holder.as_ref(), "kb+jwt", |_| {});
    verify_valid(
        &b.verifier,
        &format!("{}{kb}", b.without_kb()),
        &b.issuer,
        Some(&b.request),
    );
}

#[test]
fn rfc9901_7_3_key_binding_required_when_cnf_present() {
    let b = bound();
    // The KB-JWT stripped off: not acceptable, with or without a request.
    let stripped = b.without_kb();
    assert!(b.failed(stripped).contains(&CheckKind::KeyBinding));
    assert_eq!(
        failed_checks(&b.verifier, stripped, &b.issuer, None),
        [CheckKind::KeyBinding]
    );
}

#[test]
fn rfc9901_7_3_key_binding_without_a_request_is_a_replay_risk() {
    let b = bound();
    // A correct KB-JWT, but the verifier has no request to check its nonce against.
    assert_eq!(
        failed_checks(&b.verifier, &b.presentation, &b.issuer, None),
        [CheckKind::Challenge]
    );
}

#[test]
fn rfc9901_7_3_sd_hash_rejects_disclosure_added_after_key_binding() {
    let b = bound();
    // Another disclosure of the same credential slipped in after the holder signed: the
    // disclosure itself is genuine, only sd_hash gives it away.
    let family_name = sd_jwt::inspect(&b.sd_jwt)
        .unwrap()
        .disclosures
        .into_iter()
        .find(|d| d.name() == Some("family_name"))
        .unwrap();
    let kb = b.presentation.rsplit('~').next().unwrap();
    let added = format!("{}{}~{kb}", b.without_kb(), family_name.encoded());
    assert_eq!(b.failed(&added), [CheckKind::KeyBinding]);
}

#[test]
fn rfc9901_7_3_sd_hash_rejects_disclosure_removed_after_key_binding() {
    let b = bound();
    let (jwt, rest) = b.presentation.split_once('~').unwrap();
    let kb = rest.rsplit('~').next().unwrap();
    let removed = format!("{jwt}~{kb}");
    assert_eq!(b.failed(&removed), [CheckKind::KeyBinding]);
}

#[test]
fn rfc9901_7_3_nonce_is_single_use() {
    let b = bound();
    verify_valid(&b.verifier, &b.presentation, &b.issuer, Some(&b.request));
    assert_eq!(b.failed(&b.presentation), [CheckKind::Challenge]);
}

#[test]
fn rfc9901_7_3_nonce_must_come_from_this_verifier() {
    let b = bound();
    let elsewhere = support::verifier();
    assert_eq!(
        failed_checks(&elsewhere, &b.presentation, &b.issuer, Some(&b.request)),
        [CheckKind::Challenge]
    );
}

#[test]
fn rfc9901_7_3_request_without_audience_is_refused() {
    let b = bound();
    let request = b.verifier.request(None);
    let presentation = present(
        &b.wallet,
        &b.sd_jwt,
        &[],
        &PresentationRequest {
            domain: Some(AUD.into()),
            ..request.clone()
        },
    );
    assert_eq!(
        failed_checks(&b.verifier, &presentation, &b.issuer, Some(&request)),
        [CheckKind::Domain]
    );
}

#[test]
fn rfc9901_7_3_key_binding_on_an_unbound_credential_is_refused() {
    let sd_jwt = unbound();
    let verifier = support::verifier();
    let request = verifier.request(Some(AUD));
    // A KB-JWT by some key, on a credential that names no holder key.
    let kb = lommebok::jws::sign(
        &object(
            json!({"iat": now().timestamp(), "aud": AUD, "nonce": request.challenge,
                        "sd_hash": sd_jwt::digest(&sd_jwt)}),
        ),
        "kb+jwt",
        None,
        &Map::new(),
        key(Algorithm::Ed25519, 5).as_ref(),
    )
    .unwrap();
    let failures = failed_checks(
        &verifier,
        &format!("{sd_jwt}{kb}"),
        &issuer_key(&issuer(Algorithm::Ed25519)),
        Some(&request),
    );
    assert_eq!(failures, [CheckKind::KeyBinding]);
    // Nor may a request be answered without key binding.
    let request = verifier.request(Some(AUD));
    assert_eq!(
        failed_checks(
            &verifier,
            &sd_jwt,
            &issuer_key(&issuer(Algorithm::Ed25519)),
            Some(&request)
        ),
        [
            CheckKind::KeyBinding,
            CheckKind::Challenge,
            CheckKind::Domain
        ]
    );
}

// --- Disclosures (RFC 9901 §7.1) ---

#[test]
fn rfc9901_7_1_rejects_tampered_disclosure() {
    let sd_jwt = unbound();
    let original = sd_jwt::inspect(&sd_jwt)
        .unwrap()
        .disclosures
        .into_iter()
        .find(|d| d.name() == Some("birthdate"))
        .unwrap();
    // Same salt and name, another value: its digest is in no `_sd`.
    let tampered = b64(&json!([original.salt(), "birthdate", "2010-02-03"]));
    let forged = sd_jwt.replace(original.encoded(), &tampered);
    assert_eq!(unbound_failures(&forged), [CheckKind::Disclosures]);
}

#[test]
fn rfc9901_7_1_rejects_unreferenced_disclosure() {
    let sd_jwt = unbound();
    let extra = disclosure(json!(["email", "kari@example.no"]));
    assert_eq!(
        unbound_failures(&format!("{sd_jwt}{extra}~")),
        [CheckKind::Disclosures]
    );
}

#[test]
fn rfc9901_7_1_rejects_duplicate_disclosure() {
    let sd_jwt = unbound();
    let first = sd_jwt.split('~').nth(1).unwrap();
    assert_eq!(
        unbound_failures(&format!("{sd_jwt}{first}~")),
        [CheckKind::Disclosures]
    );
}

#[test]
fn rfc9901_7_1_rejects_malformed_disclosure() {
    let sd_jwt = unbound();
    for bad in [
        b64(&json!(["salt", "a", 1, 2])),
        b64(&json!({"salt": "a"})),
        URL_SAFE_NO_PAD.encode(r#"["salt", "a", {"x": 1, "x": 2}]"#),
        "bm90IGpzb24".to_owned(),
    ] {
        assert_eq!(
            unbound_failures(&format!("{sd_jwt}{bad}~")),
            [CheckKind::Disclosures],
            "{bad}"
        );
    }
}

#[test]
fn rfc9901_7_1_rejects_disclosure_named_sd() {
    let forged = with_issuer_signed_disclosure(&unbound(), json!(["_sd", ["abc"]]));
    assert_eq!(unbound_failures(&forged), [CheckKind::Disclosures]);
}

#[test]
fn rfc9901_7_1_rejects_disclosure_named_ellipsis() {
    let forged = with_issuer_signed_disclosure(&unbound(), json!(["...", "abc"]));
    assert_eq!(unbound_failures(&forged), [CheckKind::Disclosures]);
}

#[test]
fn sd_jwt_vc_3_2_2_2_rejects_hidden_exp() {
    // `exp` moved from the payload into a disclosure, so a holder could drop it.
    let sd_jwt = unbound();
    let exp = (now() + Duration::days(30)).timestamp();
    let signer = issuer_signer();
    let encoded = disclosure(json!(["exp", exp]));
    let digest = sd_jwt::digest(&encoded);
    let forged = forge(&sd_jwt, Some(signer.as_ref()), |_, payload| {
        payload.remove("exp");
        payload["_sd"].as_array_mut().unwrap().push(digest.into());
    });
    assert_eq!(
        unbound_failures(&format!("{forged}{encoded}~")),
        [CheckKind::Disclosures]
    );
}

#[test]
fn sd_jwt_vc_3_2_2_2_rejects_hidden_cnf() {
    // `cnf` in a disclosure: a holder could present without key binding by leaving it out.
    let holder = key(Algorithm::P256, 2).public_key();
    let forged =
        with_issuer_signed_disclosure(&unbound(), json!(["cnf", {"jwk": holder.to_jwk()}]));
    assert_eq!(unbound_failures(&forged), [CheckKind::Disclosures]);
}

#[test]
fn sd_jwt_vc_3_2_2_2_rejects_other_hidden_registered_claims() {
    for (name, value) in [
        ("vct", json!("urn:other")),
        (
            "status",
            json!({"status_list": {"idx": 0, "uri": "https://x"}}),
        ),
        ("nbf", json!(0)),
        ("iss", json!("https://other.example")),
        ("_sd_alg", json!("sha-256")),
    ] {
        let forged = with_issuer_signed_disclosure(&unbound(), json!([name, value]));
        assert_eq!(
            unbound_failures(&forged),
            [CheckKind::Disclosures],
            "{name}"
        );
    }
}

#[test]
fn rfc9901_4_1_1_rejects_unsupported_sd_alg() {
    let signer = issuer_signer();
    let forged = forge(&unbound(), Some(signer.as_ref()), |_, payload| {
        payload.insert("_sd_alg".into(), json!("sha-512"));
    });
    assert_eq!(unbound_failures(&forged), [CheckKind::Disclosures]);
}

// --- The issuer-signed JWT (RFC 9901 §7.1 step 1; RFC 7515) ---

#[test]
fn rfc9901_7_1_rejects_tampered_payload() {
    // The issuer's header and signature over another payload.
    let sd_jwt = unbound();
    let (jwt, rest) = sd_jwt.split_once('~').unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut payload = object(decode_part(parts[1]));
    payload.insert("vct".into(), json!("urn:eudi:pid:admin"));
    let spliced = format!(
        "{}.{}.{}~{rest}",
        parts[0],
        b64(&Value::Object(payload)),
        parts[2]
    );
    assert_eq!(unbound_failures(&spliced), [CheckKind::Proof]);
}

#[test]
fn rfc9901_7_1_rejects_alg_none() {
    let forged = forge(&unbound(), None, |header, _| {
        header.insert("alg".into(), json!("none"));
    });
    assert_eq!(unbound_failures(&forged), [CheckKind::Proof]);
}

#[test]
fn rfc9901_7_1_rejects_alg_not_matching_the_key() {
    let signer = issuer_signer();
    for alg in ["ES256", "HS256", "RS256", "EdDSA "] {
        let forged = forge(&unbound(), Some(signer.as_ref()), |header, _| {
            header.insert("alg".into(), json!(alg));
        });
        assert_eq!(unbound_failures(&forged), [CheckKind::Proof], "{alg}");
    }
}

#[test]
fn rfc9901_7_1_rejects_unknown_crit_header() {
    let signer = issuer_signer();
    let forged = forge(&unbound(), Some(signer.as_ref()), |header, _| {
        header.insert("crit".into(), json!(["urn:example:must-understand"]));
        header.insert("urn:example:must-understand".into(), json!(true));
    });
    assert_eq!(unbound_failures(&forged), [CheckKind::Proof]);
}

#[test]
fn rfc9901_7_1_ignores_keys_offered_in_the_header() {
    // An attacker signs with its own key and offers that key every way JOSE allows; the
    // verifier uses only the issuer key it was given.
    let attacker = key(Algorithm::Ed25519, 66);
    let attacker_jwk = attacker.public_key().to_jwk();
    let attacker_did = lommebok::Did::from_public_key(&attacker.public_key());
    let forged = forge(&unbound(), Some(attacker.as_ref()), |header, payload| {
        header.insert("jwk".into(), attacker_jwk.clone());
        header.insert("jku".into(), json!("https://attacker.example/jwks.json"));
        header.insert("x5u".into(), json!("https://attacker.example/cert.pem"));
        header.insert("x5c".into(), json!(["MIIBattacker"]));
        header.insert(
            "kid".into(),
            json!(format!(
                "{attacker_did}#{}",
                attacker_did.method_specific_id()
            )),
        );
        payload.insert("vct".into(), json!("urn:eudi:pid:admin"));
    });
    assert_eq!(unbound_failures(&forged), [CheckKind::Proof]);
    let by_key = SdJwtIssuerKey::from(issuer_signer().public_key());
    assert_eq!(
        failed_checks(&support::verifier(), &forged, &by_key, None),
        [CheckKind::Proof]
    );
}

#[test]
fn sd_jwt_vc_3_2_1_rejects_other_typ() {
    let signer = issuer_signer();
    for typ in [Some("JWT"), Some("vc+sd-jwt"), Some("example+sd-jwt"), None] {
        let forged = forge(&unbound(), Some(signer.as_ref()), |header, _| match typ {
            Some(t) => {
                header.insert("typ".into(), json!(t));
            }
            None => {
                header.remove("typ");
            }
        });
        assert_eq!(unbound_failures(&forged), [CheckKind::Proof], "{typ:?}");
    }
}

#[test]
fn sd_jwt_vc_3_2_2_2_requires_vct() {
    let signer = issuer_signer();
    for vct in [None, Some(json!("")), Some(json!(42))] {
        let forged = forge(&unbound(), Some(signer.as_ref()), |_, payload| {
            payload.remove("vct");
            if let Some(vct) = vct.clone() {
                payload.insert("vct".into(), vct);
            }
        });
        assert_eq!(
            unbound_failures(&forged),
            [CheckKind::WellFormed],
            "{vct:?}"
        );
    }
}

// --- Validity (RFC 7519 §4.1.4-6) ---

#[test]
fn rfc9901_7_1_rejects_expired() {
    let issuer = issuer(Algorithm::Ed25519);
    let issue = |exp| {
        issuer
            .issue_sd_jwt_at(
                &pid_claims(),
                &[],
                &SdJwtOptions::new("urn:eudi:pid:1").valid_until(exp),
                now() - Duration::days(10),
            )
            .unwrap()
    };
    assert_eq!(
        unbound_failures(&issue(now() - Duration::days(1))),
        [CheckKind::ValidityPeriod]
    );
    // Within the clock skew (60 s) it still holds.
    verify_unbound_valid(&issue(now() - Duration::seconds(30)));
}

#[test]
fn rfc9901_7_1_rejects_not_yet_valid() {
    let issuer = issuer(Algorithm::Ed25519);
    let sd_jwt = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &[],
            &SdJwtOptions::new("urn:eudi:pid:1").valid_from(now() + Duration::days(1)),
            now(),
        )
        .unwrap();
    assert_eq!(unbound_failures(&sd_jwt), [CheckKind::ValidityPeriod]);
    let future_iat = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &[],
            &SdJwtOptions::new("urn:eudi:pid:1"),
            now() + Duration::hours(1),
        )
        .unwrap();
    assert_eq!(unbound_failures(&future_iat), [CheckKind::ValidityPeriod]);
}

#[test]
fn rfc9901_7_1_rejects_exp_of_the_wrong_type() {
    let signer = issuer_signer();
    for (name, value) in [
        ("exp", json!("2030-01-01T00:00:00Z")),
        ("exp", json!(true)),
        ("exp", json!(null)),
        ("exp", json!([1])),
        ("nbf", json!("0")),
        ("iat", json!({"seconds": 0})),
    ] {
        let forged = forge(&unbound(), Some(signer.as_ref()), |_, payload| {
            payload.insert(name.into(), value.clone());
        });
        assert_eq!(
            unbound_failures(&forged),
            [CheckKind::ValidityPeriod],
            "{name}: {value}"
        );
    }
}

// --- Issuer and status ---

#[test]
fn sd_jwt_vc_status_claim_fails_closed_without_a_status_source() {
    let issuer = issuer(Algorithm::Ed25519);
    let mut claims = pid_claims();
    claims.insert(
        "status".into(),
        json!({"status_list": {"idx": 3, "uri": "https://issuer.example/status/1"}}),
    );
    let sd_jwt = issuer
        .issue_sd_jwt_at(&claims, &[], &SdJwtOptions::new("urn:eudi:pid:1"), now())
        .unwrap();
    let outcome = support::verifier()
        .verify_sd_jwt(&sd_jwt, &issuer_key(&issuer), None)
        .unwrap();
    let failures: Vec<_> = outcome.report.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].check, CheckKind::Status);
    assert!(
        failures[0].reason.contains("no status source"),
        "{}",
        failures[0].reason
    );
}

#[test]
fn issuer_key_must_be_the_issuers() {
    let sd_jwt = unbound();
    // Another issuer's verification method.
    let other = issuer_key(&lommebok::Issuer::new(key(Algorithm::Ed25519, 8)));
    assert_eq!(
        failed_checks(&support::verifier(), &sd_jwt, &other, None),
        [CheckKind::IssuerKey, CheckKind::Proof]
    );
    // The right key, but the SD-JWT claims another issuer.
    let signer = issuer_signer();
    let forged = forge(&sd_jwt, Some(signer.as_ref()), |_, payload| {
        payload.insert("iss".into(), json!("did:example:someone-else"));
    });
    assert_eq!(unbound_failures(&forged), [CheckKind::IssuerKey]);
    // A DID URL that does not resolve, or is not a DID URL.
    for url in [
        "did:web:example.com#key-1",
        "not a did",
        "did:key:zBad#zBad",
    ] {
        let failures = failed_checks(
            &support::verifier(),
            &sd_jwt,
            &SdJwtIssuerKey::VerificationMethod(url.into()),
            None,
        );
        assert_eq!(failures, [CheckKind::IssuerKey, CheckKind::Proof], "{url}");
    }
}

#[test]
fn trusted_issuers_policy_applies() {
    let sd_jwt = unbound();
    let issuer = issuer(Algorithm::Ed25519);
    let mut policy = Policy::default();
    policy.trusted_issuers = Some(vec!["did:example:the-only-one".into()]);
    let verifier = Verifier::new()
        .with_clock(Arc::new(FixedClock(now())))
        .with_policy(policy.clone());
    assert_eq!(
        failed_checks(&verifier, &sd_jwt, &issuer_key(&issuer), None),
        [CheckKind::TrustedIssuer]
    );
    policy.trusted_issuers = Some(vec![issuer.did().to_string()]);
    let verifier = Verifier::new()
        .with_clock(Arc::new(FixedClock(now())))
        .with_policy(policy);
    verify_valid(&verifier, &sd_jwt, &issuer_key(&issuer), None);
}

// --- Unreadable input is an error, not a report ---

#[test]
fn unreadable_input_is_an_error() {
    let verifier = support::verifier();
    let key = issuer_key(&issuer(Algorithm::Ed25519));
    for bad in [
        "",
        "~",
        "abc",
        "a.b.c",
        "!!.e30.AA~",
        "e30.e30~",
        "e30.W10.AA~",
        "eyJhbGciOiJFZERTQSJ9.e30.AA~~",
    ] {
        assert!(
            matches!(
                verifier.verify_sd_jwt(bad, &key, None),
                Err(Error::SdJwt(_))
            ),
            "{bad:?}"
        );
    }
    let mut policy = Policy::default();
    policy.max_document_bytes = 1000;
    let small = Verifier::new().with_policy(policy);
    assert!(matches!(
        small.verify_sd_jwt(&unbound(), &key, None),
        Err(Error::Json(_))
    ));
}

#[test]
fn every_mutation_of_a_presentation_is_refused() {
    // Change every seventh byte of a valid presentation: the verifier answers every variant
    // (error or report), never panics, and accepts none.
    let b = bound();
    let bytes = b.presentation.as_bytes();
    for i in (0..bytes.len()).step_by(7) {
        let mut mutated = bytes.to_vec();
        mutated[i] = if mutated[i] == b'A' { b'B' } else { b'A' };
        let Ok(text) = String::from_utf8(mutated) else {
            continue;
        };
        if text == b.presentation {
            continue;
        }
        // The nonce outstanding again, so that only the change can make it fail.
        b.verifier.expect_challenge(&b.request.challenge);
        if let Ok(outcome) = b.verifier.verify_sd_jwt(&text, &b.issuer, Some(&b.request)) {
            assert!(!outcome.is_valid(), "accepted a mutation at byte {i}");
        }
    }
}
