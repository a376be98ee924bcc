//! What a status check (Bitstring Status List v1.0) adds to verifying a credential, reported as
//! ratios to the credential's own signature verification measured in the same run.
//!
//! Run with `cargo bench -p lommebok --bench status`. Measured cases:
//!
//! | id | what one iteration does |
//! |---|---|
//! | `signature_with_status` | the baseline: `data_integrity::verify_proof` of the credential WITH a `credentialStatus` entry (already parsed: RDFC canonicalization, hashing, Ed25519), i.e. the credential's own signature verification |
//! | `signature_without_status` | the same for the same credential without the entry (fewer quads to canonicalize) |
//! | `verify_without_status` | `Verifier::verify_credential(&json)` of the credential without status: parse, did:key, proof, validity period, report |
//! | `verify_with_status_cached` | `Verifier::verify_credential(&json)` of the credential with status against a 131,072-entry revocation list the verifier has already verified and cached (the list text is fetched from a `StatusListCache` and hashed, the cached bitstring is read) |
//! | `verify_with_status_uncached` | the same, but the status source alternates between two signed versions of the list, so every check misses the cache and verifies the list credential (its proof and the `encodedList` decoding) again |
//! | `bitstring_decode_and_get` | `Bitstring::decode` of the list's `encodedList` (131,072 bits) and `get` of the credential's index, alone |
//!
//! Everything is deterministic but the status index (the issuer's registry draws it at random;
//! the cost does not depend on it). Every case is checked once before anything is timed: the
//! credentials verify, their status checks pass, the uncached source's two lists differ.
//!
//! # The ratio table
//! As in `benches/verify.rs`: after criterion's group, an interleaved timed loop
//! ([`RATIO_ROUNDS`] rounds, each running every case for a batch of about [`RATIO_BATCH`]); a
//! case's figure is the median over rounds of its mean time per iteration, so the ratios hold
//! even when the shared machine's load drifts. Each case is printed as "x.x times the signature
//! verification" (two decimals below 1); then the differences that isolate the status check:
//! `verify_with_status_cached - verify_without_status` (all a status entry costs a verifier with
//! a cached list), of which `signature_with_status - signature_without_status` is the larger
//! proof, and the rest the status check itself. Each difference is the median over rounds of the
//! difference measured within a round (paired, so the round's load cancels); a difference near
//! the noise can still come out slightly negative. Nothing here asserts on time.
//!
//! The table is printed only when criterion measures (`--bench`, and not `--test`, `--list` or
//! `--profile-time`).
//!
//! Budget: about 4 s per case in criterion (1 s warm-up, 3 s measurement, 20 samples) plus about
//! 5 s for the ratio loop: well under a minute once built.

// A benchmark's fixtures may unwrap and panic: a broken fixture must stop the run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use criterion::Criterion;
use lommebok::clock::FixedClock;
use lommebok::contexts::{CREDENTIALS_EXAMPLES_V2, ContextRegistry};
use lommebok::data_integrity::verify_proof;
use lommebok::status::{
    Bitstring, StatusEntry, StatusListCache, StatusPurpose, StatusRegistry, StatusSource,
};
use lommebok::{Algorithm, CheckKind, Issuer, Signer as _, SoftwareKey, Verifier};
use serde_json::{Map, Value, json};

/// The revocation list's URL.
const LIST: &str = "https://kommune.example/status/revocation/1";

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or_else(|| unreachable!("a valid fixed date"))
}

/// A status source that serves two versions of the same list in turn, so a verifier's cache
/// (keyed by the text's digest) never hits.
struct Alternating {
    texts: [String; 2],
    flip: AtomicBool,
}

impl StatusSource for Alternating {
    fn status_list_credential(&self, url: &str) -> Option<String> {
        (url == LIST)
            .then(|| self.texts[usize::from(self.flip.fetch_xor(true, Ordering::Relaxed))].clone())
    }
}

/// Everything the cases need, built and checked once.
struct Fixtures {
    /// The credential with a revocation entry, as JSON text.
    with_status_json: String,
    /// The same credential without the entry, as JSON text.
    without_status_json: String,
    /// Both parsed: (unsecured document, proof).
    with_status_parsed: (Map<String, Value>, Map<String, Value>),
    without_status_parsed: (Map<String, Value>, Map<String, Value>),
    issuer_key: lommebok::PublicKey,
    contexts: ContextRegistry,
    /// The list's `encodedList` and the credential's index in it.
    encoded_list: String,
    index: u64,
    /// A verifier with the list cached.
    cached: Verifier,
    /// A verifier whose source alternates between two versions of the list.
    uncached: Verifier,
}

/// Splits a credential's JSON into (unsecured document, its single proof).
fn split(json: &str) -> (Map<String, Value>, Map<String, Value>) {
    let mut document: Map<String, Value> = serde_json::from_str(json).expect("credential JSON");
    match document.remove("proof") {
        Some(Value::Object(proof)) => (document, proof),
        other => panic!("expected one proof object, got {other:?}"),
    }
}

impl Fixtures {
    fn new() -> Self {
        let key = Arc::new(
            SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[1; 32]).expect("issuer key"),
        );
        let subject_key =
            SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[2; 32]).expect("subject key");
        let subject = lommebok::Did::from_public_key(&subject_key.public_key()).to_string();

        let registry = StatusRegistry::in_memory();
        registry
            .create_list(LIST, StatusPurpose::Revocation)
            .expect("the revocation list");
        let plain = Issuer::new(key.clone());
        let with_status = Issuer::new(key.clone()).with_status(registry, &[LIST]);
        let unsigned = plain
            .credential()
            .with_context(json!(CREDENTIALS_EXAMPLES_V2))
            .with_type("ExampleResidenceCredential")
            .with_id("urn:uuid:8c5bd2f4-1f0e-4b8a-9d4e-2b1f5c6a7e90")
            .valid_from(at(2025, 1, 1))
            .valid_until(at(2030, 1, 1))
            .with_subject_id(subject)
            .with_claim("name", json!("Kari Nordmann"))
            .with_claim("residentOf", json!("Tromsø"))
            .build()
            .expect("building the credential");
        let without = plain
            .issue_at(&unsigned, at(2025, 1, 1))
            .expect("issuing without status");
        let with = with_status
            .issue_at(&unsigned, at(2025, 1, 1))
            .expect("issuing with status");
        let index = StatusEntry::from_json(with.status_entries()[0])
            .expect("the issued entry")
            .index;

        // Two signed versions of the same list (they differ in validFrom, so in text).
        let list = |from: DateTime<Utc>| {
            with_status
                .status_list_credential_at(LIST, from, at(2027, 1, 1))
                .expect("the status list credential")
        };
        let first = list(at(2026, 1, 1));
        let second = list(at(2026, 1, 2));
        assert_ne!(first.to_json_string(), second.to_json_string());
        let encoded_list = first.as_json()["credentialSubject"]["encodedList"]
            .as_str()
            .expect("encodedList")
            .to_owned();

        let clock = Arc::new(FixedClock(at(2026, 6, 1)));
        let cache = Arc::new(StatusListCache::new());
        cache.insert(LIST, &first.to_json_string());
        let cached = Verifier::new()
            .with_clock(clock.clone())
            .with_status_source(cache);
        let uncached = Verifier::new()
            .with_clock(clock)
            .with_status_source(Arc::new(Alternating {
                texts: [first.to_json_string(), second.to_json_string()],
                flip: AtomicBool::new(false),
            }));

        let with_status_json = with.to_json_string();
        let without_status_json = without.to_json_string();
        let fixtures = Fixtures {
            with_status_parsed: split(&with_status_json),
            without_status_parsed: split(&without_status_json),
            with_status_json,
            without_status_json,
            issuer_key: key.public_key(),
            contexts: ContextRegistry::new(),
            encoded_list,
            index,
            cached,
            uncached,
        };
        fixtures.check();
        fixtures
    }

    /// Every case verifies and takes the path it is named for: a benchmark of a failing path
    /// would measure the wrong thing.
    fn check(&self) {
        assert!(
            self.with_status_parsed.0.contains_key("credentialStatus")
                && !self
                    .without_status_parsed
                    .0
                    .contains_key("credentialStatus")
        );
        assert!(matches!(self.signature(&self.with_status_parsed), Ok(true)));
        assert!(matches!(
            self.signature(&self.without_status_parsed),
            Ok(true)
        ));
        let status_reasons = |verifier: &Verifier, json: &str| -> Vec<String> {
            let outcome = verifier.verify_credential(json).expect("a credential");
            assert!(outcome.is_valid(), "{:#?}", outcome.report);
            outcome
                .report
                .checks
                .iter()
                .filter(|c| c.check == CheckKind::Status)
                .map(|c| c.reason.clone())
                .collect()
        };
        assert!(status_reasons(&self.cached, &self.without_status_json).is_empty());
        // Three times each: the uncached verifier sees both versions, the cached one its cache.
        for _ in 0..3 {
            assert_eq!(
                status_reasons(&self.cached, &self.with_status_json),
                ["not revoked"]
            );
            assert_eq!(
                status_reasons(&self.uncached, &self.with_status_json),
                ["not revoked"]
            );
        }
        assert_eq!(self.decode_and_get(), Some(0));
    }

    fn signature(
        &self,
        (unsecured, proof): &(Map<String, Value>, Map<String, Value>),
    ) -> Result<bool, lommebok::data_integrity::ProofError> {
        verify_proof(
            black_box(unsecured),
            black_box(proof),
            &self.issuer_key,
            &self.contexts,
        )
    }

    fn verify(verifier: &Verifier, json: &str) -> bool {
        verifier
            .verify_credential(black_box(json))
            .is_ok_and(|v| v.is_valid())
    }

    fn decode_and_get(&self) -> Option<u8> {
        Bitstring::decode(black_box(&self.encoded_list))
            .ok()?
            .get(black_box(self.index), 1)
            .ok()
    }
}

/// The cases; the first is the baseline of the ratios.
fn cases(f: &Fixtures) -> Vec<Case<'_>> {
    vec![
        (
            "signature_with_status",
            Box::new(|| matches!(f.signature(&f.with_status_parsed), Ok(true))),
        ),
        (
            "signature_without_status",
            Box::new(|| matches!(f.signature(&f.without_status_parsed), Ok(true))),
        ),
        (
            "verify_without_status",
            Box::new(|| Fixtures::verify(&f.cached, &f.without_status_json)),
        ),
        (
            "verify_with_status_cached",
            Box::new(|| Fixtures::verify(&f.cached, &f.with_status_json)),
        ),
        (
            "verify_with_status_uncached",
            Box::new(|| Fixtures::verify(&f.uncached, &f.with_status_json)),
        ),
        (
            "bitstring_decode_and_get",
            Box::new(|| f.decode_and_get() == Some(0)),
        ),
    ]
}

/// The interleaved timed loop described at the top; prints the ratio table.
fn ratio_table(cases: &[Case<'_>]) {
    let samples = ratios::samples(cases);
    let medians: Vec<f64> = samples.iter().cloned().map(median).collect();
    let index = |id: &str| {
        cases
            .iter()
            .position(|(case, _)| *case == id)
            .unwrap_or_else(|| unreachable!("case {id} exists"))
    };
    // The median over rounds of `a - b` measured in the same round (paired, so that the load
    // of the round cancels), and the same for the baseline's share.
    let paired = |a: &str, b: &str| {
        let (a, b) = (&samples[index(a)], &samples[index(b)]);
        median(a.iter().zip(b).map(|(a, b)| a - b).collect())
    };
    let signature = medians[0];
    println!();
    println!(
        "Ratios (median of {RATIO_ROUNDS} interleaved rounds of ~{} ms per case; absolute times for context only):",
        RATIO_BATCH.as_millis()
    );
    println!(
        "{:<56} {:>12}   vs the credential's signature verification",
        "case", "time"
    );
    for ((id, _), t) in cases.iter().zip(&medians) {
        println!(
            "{id:<56} {:>9.1} us   {} times",
            t * 1e6,
            ratio(t / signature)
        );
    }
    let entry = paired("verify_with_status_cached", "verify_without_status");
    let proof = paired("signature_with_status", "signature_without_status");
    println!();
    println!("Differences (medians of per-round differences; same baseline):");
    for (what, t) in [
        ("status entry, cached list (verify with - without)", entry),
        (
            "  of which the larger proof (signature with - without)",
            proof,
        ),
        (
            "  of which the status check itself (the rest)",
            entry - proof,
        ),
        (
            "status entry, list not cached (uncached - without)",
            paired("verify_with_status_uncached", "verify_without_status"),
        ),
    ] {
        println!(
            "{what:<56} {:>9.1} us   {} times",
            t * 1e6,
            ratio(t / signature)
        );
    }
}

#[path = "common/ratios.rs"]
mod ratios;

use ratios::{Case, RATIO_BATCH, RATIO_ROUNDS, median, ratio};

fn main() {
    // As criterion: without `--bench` (i.e. under `cargo test`) it only runs each case once.
    let timing = ratios::timing_requested();
    let fixtures = Fixtures::new();
    let cases = cases(&fixtures);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("status");
        for (id, run) in &cases {
            group.bench_function(*id, |b| b.iter(run));
        }
        group.finish();
    }
    criterion.final_summary();

    if timing {
        ratio_table(&cases);
    }
}
