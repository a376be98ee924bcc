//! How long verifying a credential takes, as a verifier receives it (a JSON string), reported as
//! ratios against two baselines measured in the same run.
//!
//! Run with `cargo bench -p lommebok --bench verify`. Measured cases:
//!
//! | id | what one iteration does |
//! |---|---|
//! | `raw_ed25519_verify_strict` | baseline A, the floor: `ed25519_dalek::VerifyingKey::verify_strict` of the 64-byte combined hash (`proof_hash || document_hash`) of the eddsa-rdfc-2022 credential, with its own signature |
//! | `ssi_eddsa_rdfc_2022` | baseline B: ssi 0.16's own verifier; parse the JSON into `AnyDataIntegrity` and `verify` it (did:key through `VerificationMethodDIDResolver<DIDKey, AnyMethod>`, a `ContextLoader` serving lommebok's bundled contexts), driven by `pollster::block_on`; ssi checks no validity period here (`DataIntegrityDocument` has no claims to validate) and uses Ed25519 `verify`, not `verify_strict` |
//! | `lommebok_eddsa_rdfc_2022` | `Verifier::verify_credential(&json)`: parse, did:key, proof, validity period, report |
//! | `lommebok_eddsa_jcs_2022` | the same for an eddsa-jcs-2022 credential |
//! | `lommebok_data_integrity_rdfc` | `data_integrity::verify_proof` alone on the already parsed credential (no parsing, no DID resolution, no report) |
//! | `lommebok_data_integrity_jcs` | the same for the eddsa-jcs-2022 credential |
//!
//! All credentials are deterministic (fixed keys, fixed `created`), and every case is checked to
//! verify once before anything is timed (ssi must return `Ok(Ok(()))`, lommebok a valid report).
//!
//! # The ratio table
//! Criterion reports absolute times per case but no ratios. After criterion's group, the bench
//! measures the ratios itself with a plain timed loop, chosen over reading criterion's
//! `estimates.json` files because it does not depend on criterion's file layout, on stale files
//! from earlier runs, or on a filter having skipped a case. The loop is *interleaved*: in each of
//! [`RATIO_ROUNDS`] rounds every case runs one batch of about [`RATIO_BATCH`] of wall time, and a
//! case's figure is the median over rounds of its mean time per iteration in a batch. On a shared
//! 2-core machine the load changes over a run; interleaving exposes all cases to the same load,
//! and the median drops rounds disturbed by a burst, so the *ratios* stay stable even when the
//! absolute times drift. Each case is printed as "x.x times raw Ed25519 verify" and "x.x times ssi
//! eddsa-rdfc-2022 verify" (two decimals below 1, so a small ratio does not read as 0.0); the
//! absolute medians are shown for context only. Nothing here asserts on time.
//!
//! The table is printed only when criterion measures: not under `cargo test` (no `--bench`
//! argument, where criterion runs each case once as a check), nor with `--test`, `--list` or
//! `--profile-time` (e.g. under `valgrind --tool=callgrind`).
//!
//! Budget: about 5 s per case in criterion (1 s warm-up, 4 s measurement, 20 samples) plus about
//! 5 s for the ratio loop; the whole run took about 40 s on 2 cores once built.

// A benchmark's fixtures may unwrap and panic: a broken fixture must stop the run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use criterion::Criterion;
use did_method_key::DIDKey;
use lommebok::clock::FixedClock;
use lommebok::contexts::{BUNDLED, CREDENTIALS_EXAMPLES_V2, ContextRegistry};
use lommebok::data_integrity::{Cryptosuite, hash_data, verify_proof};
use lommebok::{Algorithm, Credential, Issuer, Signer as _, SoftwareKey, Verifier};
use serde_json::{Map, Value, json};
use ssi_claims_core::VerificationParameters;
use ssi_data_integrity::AnyDataIntegrity;
use ssi_dids_core::VerificationMethodDIDResolver;
use ssi_json_ld::ContextLoader;
use ssi_verification_methods::AnyMethod;

/// The ssi verifier's parameters: did:key resolution and a loader with lommebok's contexts.
type SsiParams = VerificationParameters<VerificationMethodDIDResolver<DIDKey, AnyMethod>>;

/// Everything the cases need, built and checked once.
struct Fixtures {
    /// The eddsa-rdfc-2022 credential as JSON text.
    rdfc_json: String,
    /// The eddsa-jcs-2022 credential as JSON text.
    jcs_json: String,
    /// The rdfc credential parsed: (unsecured document, proof).
    rdfc_parsed: (Map<String, Value>, Map<String, Value>),
    /// The jcs credential parsed: (unsecured document, proof).
    jcs_parsed: (Map<String, Value>, Map<String, Value>),
    /// The issuer's public key, as lommebok holds it.
    issuer_key: lommebok::PublicKey,
    /// The issuer's public key, as ed25519-dalek holds it.
    dalek_key: ed25519_dalek::VerifyingKey,
    /// The 64 bytes the rdfc proof signs, and its signature.
    combined: [u8; 64],
    signature: ed25519_dalek::Signature,
    contexts: ContextRegistry,
    verifier: Verifier,
    ssi_params: SsiParams,
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or_else(|| unreachable!("a valid fixed date"))
}

/// Issues the same credential with `suite`, signed at a fixed time (so EdDSA is deterministic).
fn issue(key: &Arc<SoftwareKey>, subject: &str, suite: Cryptosuite) -> Credential {
    let issuer = Issuer::new(key.clone())
        .with_cryptosuite(suite)
        .unwrap_or_else(|e| panic!("{suite} with an Ed25519 key: {e}"));
    let unsigned = issuer
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
    issuer
        .issue_at(&unsigned, at(2025, 1, 1))
        .unwrap_or_else(|e| panic!("issuing with {suite}: {e}"))
}

/// Splits a parsed credential into (unsecured document, its single proof).
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

        let rdfc_json = issue(&key, &subject, Cryptosuite::EddsaRdfc2022).to_json_string();
        let jcs_json = issue(&key, &subject, Cryptosuite::EddsaJcs2022).to_json_string();
        let rdfc_parsed = split(&rdfc_json);
        let jcs_parsed = split(&jcs_json);
        let contexts = ContextRegistry::new();
        let issuer_key = key.public_key();
        let dalek_key = match &issuer_key {
            lommebok::PublicKey::Ed25519(k) => *k,
            lommebok::PublicKey::P256(_) => unreachable!("an Ed25519 key"),
        };

        // Baseline A's input: exactly the message and signature of the rdfc proof.
        let (unsecured, proof) = &rdfc_parsed;
        let mut config = proof.clone();
        let proof_value = config.remove("proofValue");
        let combined = hash_data(unsecured, &config, Cryptosuite::EddsaRdfc2022, &contexts)
            .expect("hash data")
            .combined();
        let (_, signature) =
            multibase::decode(proof_value.as_ref().and_then(Value::as_str).unwrap_or(""))
                .expect("proofValue");
        let signature = ed25519_dalek::Signature::from_slice(&signature).expect("signature");

        let verifier = Verifier::new().with_clock(Arc::new(FixedClock(at(2026, 6, 1))));

        // ssi serves exactly lommebok's bundled contexts (its static loader lacks some).
        let context_map: HashMap<String, String> = BUNDLED
            .iter()
            .map(|(url, doc)| ((*url).to_owned(), (*doc).to_owned()))
            .collect();
        let loader = ContextLoader::empty()
            .with_context_map_from(context_map)
            .expect("ssi context loader");
        let ssi_params = VerificationParameters::from_resolver(VerificationMethodDIDResolver::<
            DIDKey,
            AnyMethod,
        >::new(DIDKey))
        .with_json_ld_loader(loader)
        .with_date_time(at(2026, 6, 1));

        let fixtures = Fixtures {
            rdfc_json,
            jcs_json,
            rdfc_parsed,
            jcs_parsed,
            issuer_key,
            dalek_key,
            combined,
            signature,
            contexts,
            verifier,
            ssi_params,
        };
        fixtures.check();
        fixtures
    }

    /// Every case verifies: a benchmark of a failing path would measure the wrong thing.
    fn check(&self) {
        assert!(
            self.raw(),
            "raw verify_strict of the rdfc proof's combined hash"
        );
        match self.ssi() {
            Ok(Ok(())) => {}
            Ok(Err(invalid)) => panic!("ssi: the credential is invalid: {invalid}"),
            Err(e) => panic!("ssi could not verify the credential: {e}"),
        }
        for (suite, json) in [("rdfc", &self.rdfc_json), ("jcs", &self.jcs_json)] {
            let verification = self
                .verifier
                .verify_credential(json)
                .unwrap_or_else(|e| panic!("lommebok {suite}: {e}"));
            assert!(
                verification.is_valid(),
                "lommebok {suite}: {:?}",
                verification.report
            );
        }
        assert!(matches!(self.data_integrity(&self.rdfc_parsed), Ok(true)));
        assert!(matches!(self.data_integrity(&self.jcs_parsed), Ok(true)));
    }

    fn raw(&self) -> bool {
        self.dalek_key
            .verify_strict(black_box(&self.combined), black_box(&self.signature))
            .is_ok()
    }

    fn ssi(&self) -> Result<ssi_claims_core::Verification, ssi_claims_core::ProofValidationError> {
        let document: AnyDataIntegrity =
            serde_json::from_str(black_box(&self.rdfc_json)).expect("ssi parse");
        pollster::block_on(document.verify(&self.ssi_params))
    }

    fn lommebok(&self, json: &str) -> bool {
        self.verifier
            .verify_credential(black_box(json))
            .is_ok_and(|v| v.is_valid())
    }

    fn data_integrity(
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
}

fn cases(f: &Fixtures) -> Vec<Case<'_>> {
    vec![
        ("raw_ed25519_verify_strict", Box::new(|| f.raw())),
        (
            "ssi_eddsa_rdfc_2022",
            Box::new(|| matches!(f.ssi(), Ok(Ok(())))),
        ),
        (
            "lommebok_eddsa_rdfc_2022",
            Box::new(|| f.lommebok(&f.rdfc_json)),
        ),
        (
            "lommebok_eddsa_jcs_2022",
            Box::new(|| f.lommebok(&f.jcs_json)),
        ),
        (
            "lommebok_data_integrity_rdfc",
            Box::new(|| matches!(f.data_integrity(&f.rdfc_parsed), Ok(true))),
        ),
        (
            "lommebok_data_integrity_jcs",
            Box::new(|| matches!(f.data_integrity(&f.jcs_parsed), Ok(true))),
        ),
    ]
}

/// The interleaved timed loop described at the top; prints the ratio table.
fn ratio_table(cases: &[Case<'_>]) {
    let samples = ratios::samples(cases);
    let medians: Vec<f64> = samples.into_iter().map(median).collect();
    let (raw, ssi) = (medians[0], medians[1]);
    println!();
    println!(
        "Ratios (median of {RATIO_ROUNDS} interleaved rounds of ~{} ms per case; absolute times for context only):",
        RATIO_BATCH.as_millis()
    );
    let header = ["case", "time", "vs baseline A", "vs baseline B"];
    println!(
        "{:<30} {:>12}   {:<34} {}",
        header[0], header[1], header[2], header[3]
    );
    for ((id, _), t) in cases.iter().zip(&medians) {
        let vs_raw = format!("{} times raw Ed25519 verify", ratio(t / raw));
        let vs_ssi = format!("{} times ssi eddsa-rdfc-2022 verify", ratio(t / ssi));
        println!("{id:<30} {:>9.1} us   {vs_raw:<34} {vs_ssi}", t * 1e6);
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
        .measurement_time(Duration::from_secs(4))
        .sample_size(20)
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("verify");
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
