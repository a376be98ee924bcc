//! How long verifying an SD-JWT VC presentation takes (key binding, 3 of 8 claims disclosed),
//! as a ratio to a raw signature verification of the same key type measured in the same run.
//!
//! Run with `cargo bench -p lommebok --bench sd_jwt`. Cases:
//!
//! | id | what one iteration does |
//! |---|---|
//! | `raw_ed25519_verify_strict` | baseline: `PublicKey::verify` (Ed25519 `verify_strict`) of the issuer JWT's signing input |
//! | `raw_p256_verify` | baseline for P-256: `PublicKey::verify` (ES256) of the issuer JWT's signing input |
//! | `sd_jwt_ed25519_kb_3_of_8` | `Verifier::verify_sd_jwt` of an Ed25519-issued, Ed25519-bound presentation with a KB-JWT disclosing 3 of 8 claims: parse, did:key, issuer signature, disclosures, validity, KB-JWT signature, nonce, aud, `sd_hash`, report |
//! | `sd_jwt_p256_kb_3_of_8` | the same with P-256 issuer and holder keys |
//!
//! The nonce is single-use, so each iteration registers it again (`expect_challenge`, a map
//! insert) before verifying. Every case is checked to verify once before anything is timed.
//! The ratio loop is in `common/ratios.rs`; nothing asserts on time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeZone as _, Utc};
use criterion::Criterion;
use lommebok::clock::FixedClock;
use lommebok::{
    Algorithm, ClaimPath, Issuer, PresentationRequest, PublicKey, SdJwtIssuerKey, SdJwtOptions,
    Signer as _, SoftwareKey, Verifier, Wallet,
};
use serde_json::{Map, Value, json};

#[path = "common/ratios.rs"]
mod ratios;

use ratios::{Case, RATIO_BATCH, RATIO_ROUNDS, median, ratio};

const AUD: &str = "https://apotek.example";
const NONCE: &str = "bench-nonce";

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, h, 0, 0).unwrap()
}

struct Fixture {
    verifier: Verifier,
    presentation: String,
    issuer_key: SdJwtIssuerKey,
    request: PresentationRequest,
    issuer_public: PublicKey,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl Fixture {
    fn new(algorithm: Algorithm) -> Self {
        let issuer_signing = Arc::new(SoftwareKey::from_secret_bytes(algorithm, &[1; 32]).unwrap());
        let issuer_public = issuer_signing.public_key();
        let issuer = Issuer::new(issuer_signing);
        let wallet = Wallet::new(Arc::new(
            SoftwareKey::from_secret_bytes(algorithm, &[2; 32]).unwrap(),
        ));
        let claims: Map<String, Value> = json!({
            "given_name": "Kari", "family_name": "Nordmann", "birthdate": "1990-02-03",
            "age_over_18": true, "nationality": "NO", "email": "kari@example.no",
            "phone_number": "+47 12345678",
            "address": {"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"}
        })
        .as_object()
        .cloned()
        .unwrap();
        let all: Vec<ClaimPath> = claims
            .keys()
            .map(|k| ClaimPath::parse(k).unwrap())
            .collect();
        assert_eq!(all.len(), 8);
        let options = SdJwtOptions::new("urn:eudi:pid:1")
            .with_holder_key(wallet.public_key())
            .valid_until(at(23));
        let sd_jwt = issuer
            .issue_sd_jwt_at(&claims, &all, &options, at(10))
            .unwrap();
        let disclose: Vec<ClaimPath> = ["age_over_18", "given_name", "nationality"]
            .iter()
            .map(|p| ClaimPath::parse(p).unwrap())
            .collect();
        let presentation = wallet
            .present_sd_jwt_at(&sd_jwt, &disclose, NONCE, AUD, at(12))
            .unwrap();
        let jwt = sd_jwt.split('~').next().unwrap();
        let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
        let did = issuer.did();
        let fixture = Fixture {
            verifier: Verifier::new().with_clock(Arc::new(FixedClock(at(12)))),
            presentation,
            issuer_key: SdJwtIssuerKey::VerificationMethod(format!(
                "{did}#{}",
                did.method_specific_id()
            )),
            request: PresentationRequest {
                challenge: NONCE.into(),
                domain: Some(AUD.into()),
            },
            issuer_public,
            signing_input: signing_input.as_bytes().to_vec(),
            signature: base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(signature)
                .unwrap(),
        };
        assert!(fixture.raw());
        assert!(fixture.verify(), "the benchmarked presentation must verify");
        fixture
    }

    fn raw(&self) -> bool {
        self.issuer_public
            .verify(&self.signing_input, &self.signature)
    }

    fn verify(&self) -> bool {
        self.verifier.expect_challenge(NONCE);
        self.verifier
            .verify_sd_jwt(&self.presentation, &self.issuer_key, Some(&self.request))
            .unwrap()
            .is_valid()
    }
}

fn main() {
    let timing = ratios::timing_requested();
    let ed25519 = Fixture::new(Algorithm::Ed25519);
    let p256 = Fixture::new(Algorithm::P256);
    let cases: Vec<Case<'_>> = vec![
        ("raw_ed25519_verify_strict", Box::new(|| ed25519.raw())),
        ("raw_p256_verify", Box::new(|| p256.raw())),
        ("sd_jwt_ed25519_kb_3_of_8", Box::new(|| ed25519.verify())),
        ("sd_jwt_p256_kb_3_of_8", Box::new(|| p256.verify())),
    ];
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("sd_jwt");
        for (id, run) in &cases {
            group.bench_function(*id, |b| b.iter(run));
        }
        group.finish();
    }
    criterion.final_summary();
    if !timing {
        return;
    }
    let medians: Vec<f64> = ratios::samples(&cases).into_iter().map(median).collect();
    println!();
    println!(
        "Ratios (median of {RATIO_ROUNDS} interleaved rounds of ~{} ms per case; absolute times for context only):",
        RATIO_BATCH.as_millis()
    );
    for (i, ((id, _), t)) in cases.iter().zip(&medians).enumerate() {
        // Ed25519 cases against the Ed25519 baseline, P-256 against P-256.
        let baseline = if i % 2 == 0 { medians[0] } else { medians[1] };
        let against = if i % 2 == 0 {
            "raw Ed25519 verify"
        } else {
            "raw P-256 verify"
        };
        println!(
            "{id:<28} {:>9.1} us   {} times {against}",
            t * 1e6,
            ratio(t / baseline)
        );
    }
}
