//! Revocation and suspension end to end (Bitstring Status List v1.0), and the official vectors.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::{CheckKind, Credential, Issuer, Verifier};

use crate::support::{self, now};

pub const REVOCATION: &str = "https://kommune.example/status/revocation/1";
pub const SUSPENSION: &str = "https://kommune.example/status/suspension/1";

/// An issuer with a revocation and a suspension list, its registry, and a verifier whose status
/// source the test fills.
pub fn setup() -> (Issuer, Arc<StatusListCache>, Verifier) {
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(REVOCATION, StatusPurpose::Revocation)
        .unwrap();
    registry
        .create_list(SUSPENSION, StatusPurpose::Suspension)
        .unwrap();
    let issuer = support::issuer().with_status(registry, &[REVOCATION, SUSPENSION]);
    let cache = Arc::new(StatusListCache::new());
    let verifier = support::verifier().with_status_source(cache.clone());
    (issuer, cache, verifier)
}

/// Publishes both lists as they stand into `cache`, valid for a day from the test's `now`.
pub fn publish(issuer: &Issuer, cache: &StatusListCache) {
    for url in [REVOCATION, SUSPENSION] {
        let list = issuer
            .status_list_credential_at(url, now() - Duration::hours(1), now() + Duration::days(1))
            .unwrap();
        cache.insert(url, &list.to_json_string());
    }
}

fn status_checks(verifier: &Verifier, credential: &Credential) -> (bool, Vec<(bool, String)>) {
    let outcome = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    let checks = outcome
        .report
        .checks
        .iter()
        .filter(|c| c.check == CheckKind::Status)
        .map(|c| (c.passed, c.reason.clone()))
        .collect();
    (outcome.is_valid(), checks)
}

#[test]
fn bsl_issue_verify_revoke_verify_sees_it() {
    let (issuer, cache, verifier) = setup();
    let credential = support::residence(&issuer, support::wallet().did().as_str());
    assert_eq!(credential.status_entries().len(), 2);
    publish(&issuer, &cache);
    let (valid, checks) = status_checks(&verifier, &credential);
    assert!(valid, "{checks:?}");
    assert_eq!(
        checks,
        [(true, "not revoked".into()), (true, "not suspended".into())]
    );

    issuer.revoke(credential.id().unwrap()).unwrap();
    // Until the new list is published, verifiers see the old one.
    assert!(status_checks(&verifier, &credential).0);
    publish(&issuer, &cache);
    let (valid, checks) = status_checks(&verifier, &credential);
    assert!(!valid);
    assert_eq!(checks[0], (false, "revoked".into()));
}

#[test]
fn bsl_suspend_and_unsuspend_are_seen() {
    let (issuer, cache, verifier) = setup();
    let credential = support::residence(&issuer, support::wallet().did().as_str());
    issuer.suspend(credential.id().unwrap()).unwrap();
    publish(&issuer, &cache);
    let (valid, checks) = status_checks(&verifier, &credential);
    assert!(!valid);
    assert_eq!(checks[1], (false, "suspended".into()));
    issuer.unsuspend(credential.id().unwrap()).unwrap();
    publish(&issuer, &cache);
    assert!(status_checks(&verifier, &credential).0);
}

#[test]
fn bsl_missing_list_fails_the_check_never_passes() {
    let (issuer, _cache, verifier) = setup();
    let credential = support::residence(&issuer, support::wallet().did().as_str());
    let (valid, checks) = status_checks(&verifier, &credential);
    assert!(!valid);
    assert!(
        checks
            .iter()
            .all(|(passed, reason)| !passed && reason.contains("cannot be had")),
        "{checks:?}"
    );
    // And a verifier without any status source says so too.
    let (valid, checks) = status_checks(&support::verifier(), &credential);
    assert!(!valid, "{checks:?}");
}

#[test]
fn bsl_expired_list_fails() {
    let (issuer, cache, verifier) = setup();
    let credential = support::residence(&issuer, support::wallet().did().as_str());
    for url in [REVOCATION, SUSPENSION] {
        let old: DateTime<Utc> = now() - Duration::days(3);
        let list = issuer
            .status_list_credential_at(url, old, old + Duration::days(1))
            .unwrap();
        cache.insert(url, &list.to_json_string());
    }
    let (valid, checks) = status_checks(&verifier, &credential);
    assert!(!valid);
    assert!(checks[0].1.contains("not current"), "{checks:?}");
}
