//! SD-JWT VCs with a Token Status List entry: valid, revoked and suspended as the verifier sees
//! them through the issuer's Status List Token.

use std::sync::Arc;

use chrono::Duration;
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::{Algorithm, CheckKind, Issuer, SdJwtOptions, Verifier};

use crate::sd_jwt::{AUD, issuer_key, paths, pid_claims, pid_disclosable, present, wallet};
use crate::support::{self, key, now};

const REVOCATION: &str = "https://kommune.example/token-status/revocation/1";
const SUSPENSION: &str = "https://kommune.example/token-status/suspension/1";

fn setup() -> (Issuer, Arc<StatusListCache>, Verifier) {
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(REVOCATION, StatusPurpose::Revocation)
        .unwrap();
    registry
        .create_list(SUSPENSION, StatusPurpose::Suspension)
        .unwrap();
    let issuer = Issuer::new(key(Algorithm::Ed25519, 1)).with_status(registry, &[]);
    let tokens = Arc::new(StatusListCache::new());
    let verifier = support::verifier().with_status_source(tokens.clone());
    (issuer, tokens, verifier)
}

/// Publishes `issuer`'s Status List Token for `list` as it stands, valid for an hour.
pub(crate) fn publish(issuer: &Issuer, tokens: &StatusListCache, list: &str) {
    let token = issuer
        .status_list_token_at(
            list,
            now() - Duration::minutes(1),
            now() + Duration::hours(1),
        )
        .unwrap();
    tokens.insert(list, &token);
}

/// Issues a PID with a status entry in `list`, presents `age_over_18`, and returns the status
/// checks of the verification as (passed, reason).
fn status_checks(
    issuer: &Issuer,
    verifier: &Verifier,
    list: &str,
    id: &str,
    revoke: impl FnOnce(),
) -> Vec<(bool, String)> {
    let holder = wallet(Algorithm::Ed25519);
    let options = SdJwtOptions::new("urn:eudi:pid:1")
        .with_holder_key(holder.public_key())
        .valid_until(now() + Duration::days(30))
        .with_status(list, id);
    let sd_jwt = issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &options,
            now() - Duration::hours(1),
        )
        .unwrap();
    revoke();
    let request = verifier.request(Some(AUD));
    let presentation = present(&holder, &sd_jwt, &["age_over_18"], &request);
    let outcome = verifier
        .verify_sd_jwt(&presentation, &issuer_key(issuer), Some(&request))
        .unwrap();
    let checks: Vec<(bool, String)> = outcome
        .report
        .checks
        .iter()
        .filter(|c| c.check == CheckKind::Status)
        .map(|c| (c.passed, c.reason.clone()))
        .collect();
    assert_eq!(outcome.is_valid(), checks.iter().all(|(passed, _)| *passed));
    checks
}

#[test]
fn sd_jwt_vc_with_token_status_is_valid_until_revoked() {
    let (issuer, tokens, verifier) = setup();
    publish(&issuer, &tokens, REVOCATION);
    let checks = status_checks(&issuer, &verifier, REVOCATION, "urn:uuid:pid-1", || {});
    assert_eq!(checks.len(), 1);
    assert!(
        checks[0].0 && checks[0].1.starts_with("valid"),
        "{checks:?}"
    );
}

#[test]
fn sd_jwt_vc_revoked_through_the_status_list_token_is_rejected() {
    let (issuer, tokens, verifier) = setup();
    let checks = status_checks(&issuer, &verifier, REVOCATION, "urn:uuid:pid-2", || {
        issuer.revoke("urn:uuid:pid-2").unwrap();
        publish(&issuer, &tokens, REVOCATION);
    });
    assert!(
        !checks[0].0 && checks[0].1.starts_with("revoked"),
        "{checks:?}"
    );
}

#[test]
fn sd_jwt_vc_suspended_through_the_status_list_token_is_rejected() {
    let (issuer, tokens, verifier) = setup();
    let checks = status_checks(&issuer, &verifier, SUSPENSION, "urn:uuid:pid-3", || {
        issuer.suspend("urn:uuid:pid-3").unwrap();
        publish(&issuer, &tokens, SUSPENSION);
    });
    assert!(
        !checks[0].0 && checks[0].1.starts_with("suspended"),
        "{checks:?}"
    );
}

#[test]
fn sd_jwt_vc_whose_status_list_token_is_missing_is_rejected() {
    let (issuer, _tokens, verifier) = setup();
    let checks = status_checks(&issuer, &verifier, REVOCATION, "urn:uuid:pid-4", || {});
    assert!(!checks[0].0, "{checks:?}");
    // And a verifier without any status source fails closed too.
    let (issuer, _tokens, _) = setup();
    let checks = status_checks(
        &issuer,
        &support::verifier(),
        REVOCATION,
        "urn:uuid:pid-5",
        || {},
    );
    assert!(
        !checks[0].0 && checks[0].1.contains("no status source"),
        "{checks:?}"
    );
}

#[test]
fn sd_jwt_status_claim_cannot_be_hidden_or_set_twice() {
    let (issuer, _tokens, _) = setup();
    let holder = wallet(Algorithm::Ed25519);
    let mut claims = pid_claims();
    claims.insert(
        "status".into(),
        serde_json::json!({"status_list": {"idx": 1, "uri": REVOCATION}}),
    );
    let options = SdJwtOptions::new("urn:eudi:pid:1")
        .with_holder_key(holder.public_key())
        .with_status(REVOCATION, "urn:uuid:pid-6");
    assert!(
        issuer
            .issue_sd_jwt_at(&claims, &pid_disclosable(), &options, now())
            .is_err()
    );
    assert!(
        lommebok::ClaimPath::parse("status").is_err() || {
            let mut disclosable = pid_disclosable();
            disclosable.extend(paths(&["status"]));
            issuer
                .issue_sd_jwt_at(&pid_claims(), &disclosable, &options, now())
                .is_err()
        }
    );
}
