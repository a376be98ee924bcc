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

/// A residence credential from `issuer` about `holder`, valid for 2026.
pub fn residence(issuer: &Issuer, holder: &str) -> Credential {
    let unsigned = issuer
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_id("urn:uuid:3f0b0c2e-6a61-4c1e-9d7e-6b1f0f3a2b10")
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
