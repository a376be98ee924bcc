//! Shared fixtures: an issuer, a holder and a verifier on fixed keys and a fixed clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lommebok::clock::FixedClock;
use lommebok::{Algorithm, Credential, Issuer, SoftwareKey, Verifier, Wallet};
use serde_json::json;

/// The instant every test runs at.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
        .unwrap()
        .into()
}

pub fn key(algorithm: Algorithm, byte: u8) -> Arc<SoftwareKey> {
    Arc::new(SoftwareKey::from_secret_bytes(algorithm, &[byte; 32]).unwrap())
}

pub fn issuer() -> Issuer {
    Issuer::new(key(Algorithm::Ed25519, 1))
}

pub fn wallet() -> Wallet {
    Wallet::new(key(Algorithm::Ed25519, 2))
}

pub fn verifier() -> Verifier {
    Verifier::new().with_clock(Arc::new(FixedClock(now())))
}

/// A fresh credential id for each credential a test issues (status is kept by id, and an id
/// gets one entry per list).
pub fn next_credential_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("urn:uuid:3f0b0c2e-6a61-4c1e-9d7e-{n:012x}")
}

/// A residence credential from `issuer` about `holder`, valid for 2026.
pub fn residence(issuer: &Issuer, holder: &str) -> Credential {
    let unsigned = issuer
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_id(next_credential_id())
        .with_type("ResidenceCredential")
        .valid_from(
            DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .into(),
        )
        .valid_until(
            DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
                .unwrap()
                .into(),
        )
        .with_subject_id(holder)
        .with_claim("municipality", json!("Tromsø"))
        .build()
        .unwrap();
    issuer.issue_at(&unsigned, now()).unwrap()
}
