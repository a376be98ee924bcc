//! Project Wycheproof edge cases (<https://github.com/C2SP/wycheproof>) for Ed25519 and ECDSA
//! P-256 with SHA-256, run through lommebok's own verification path: the key is built with
//! [`PublicKey::from_bytes`] and the signature checked with [`PublicKey::verify`].
//!
//! The vectors ship inside the `wycheproof` crate, so these tests never skip.
//!
//! - Every vector marked `invalid` must be rejected (a rejected key counts as rejection).
//! - Every vector marked `valid` must be accepted.
//! - Vectors marked `acceptable` may reasonably go either way (policy, not correctness): they are
//!   printed with what lommebok did, and deliberately not asserted.
//!
//! For P-256 the IEEE P1363 file (`ecdsa_secp256r1_sha256_p1363`) is used, not the DER one,
//! because lommebok takes the 64-byte `r || s` form.

use ::wycheproof::TestResult;
use lommebok::key::{Algorithm, PublicKey};

/// What lommebok did with one vector.
struct Outcome {
    tc_id: usize,
    comment: String,
    flags: String,
    expected: TestResult,
    /// `Ok(accepted)` when the key was usable, `Err(reason)` when the key itself was rejected.
    verdict: Result<bool, String>,
}

impl Outcome {
    fn accepted(&self) -> bool {
        matches!(self.verdict, Ok(true))
    }

    fn describe(&self) -> String {
        let what = match &self.verdict {
            Ok(true) => "accepted".to_owned(),
            Ok(false) => "signature rejected".to_owned(),
            Err(e) => format!("key rejected ({e})"),
        };
        format!(
            "tcId {} [{}] \"{}\": {what}",
            self.tc_id, self.flags, self.comment
        )
    }
}

/// Builds the key through lommebok and verifies the signature, or says why the key was refused.
fn judge(algorithm: Algorithm, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, String> {
    let key = PublicKey::from_bytes(algorithm, key).map_err(|e| e.to_string())?;
    Ok(key.verify(msg, sig))
}

/// Every vector of `ed25519_test.json`.
fn ed25519_outcomes() -> Vec<Outcome> {
    use ::wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut out = Vec::new();
    for group in &set.test_groups {
        assert_eq!(group.key.curve, ::wycheproof::EdwardsCurve::Ed25519);
        for test in &group.tests {
            out.push(Outcome {
                tc_id: test.tc_id,
                comment: test.comment.clone(),
                flags: format!("{:?}", test.flags),
                expected: test.result,
                verdict: judge(Algorithm::Ed25519, &group.key.pk, &test.msg, &test.sig),
            });
        }
    }
    assert_eq!(out.len(), set.number_of_tests, "every Ed25519 vector ran");
    out
}

/// Every vector of `ecdsa_secp256r1_sha256_p1363_test.json`.
fn p256_p1363_outcomes() -> Vec<Outcome> {
    use ::wycheproof::ecdsa::{TestGroupTypeId, TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut out = Vec::new();
    for group in &set.test_groups {
        // lommebok's P-256 is ECDSA with SHA-256 over r || s: make sure the file is that.
        assert_eq!(group.test_type, TestGroupTypeId::EcdsaP1363);
        assert_eq!(group.key.curve, ::wycheproof::EllipticCurve::Secp256r1);
        assert_eq!(group.hash, ::wycheproof::HashFunction::Sha2_256);
        for test in &group.tests {
            out.push(Outcome {
                tc_id: test.tc_id,
                comment: test.comment.clone(),
                flags: format!("{:?}", test.flags),
                expected: test.result,
                // The uncompressed SEC1 point (`04 || x || y`) the vectors give.
                verdict: judge(Algorithm::P256, &group.key.key, &test.msg, &test.sig),
            });
        }
    }
    assert_eq!(out.len(), set.number_of_tests, "every P-256 vector ran");
    out
}

/// Asserts that every vector marked `want` (valid or invalid) got the right verdict.
fn check(file: &str, outcomes: &[Outcome], want: TestResult) {
    let selected: Vec<&Outcome> = outcomes.iter().filter(|o| o.expected == want).collect();
    let wrong: Vec<String> = selected
        .iter()
        .filter(|o| match want {
            TestResult::Invalid => o.accepted(),
            TestResult::Valid => !o.accepted(),
            TestResult::Acceptable => false,
        })
        .map(|o| o.describe())
        .collect();
    let key_rejected = selected.iter().filter(|o| o.verdict.is_err()).count();
    println!(
        "{file}: {} {want:?} vectors ran (of {} in the file), {} wrong, {key_rejected} with the key \
         itself rejected",
        selected.len(),
        outcomes.len(),
        wrong.len()
    );
    assert!(!selected.is_empty(), "{file}: no {want:?} vectors ran");
    assert!(
        wrong.is_empty(),
        "{file}: {} of {} {want:?} vectors got the wrong verdict:\n{}",
        wrong.len(),
        selected.len(),
        wrong.join("\n")
    );
}

/// Prints what lommebok did with `acceptable` vectors. Deliberately asserts nothing about them:
/// Wycheproof marks them as allowed either way (a policy choice, not a correctness one).
fn report_acceptable(file: &str, outcomes: &[Outcome]) {
    // Something must have run, or the report below would be vacuous.
    assert!(!outcomes.is_empty(), "{file}: no vectors ran");
    let acceptable: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.expected == TestResult::Acceptable)
        .collect();
    println!(
        "{file}: {} acceptable vectors (of {} in the file), not asserted",
        acceptable.len(),
        outcomes.len()
    );
    for o in acceptable {
        println!("  {}", o.describe());
    }
}

#[test]
fn wycheproof_ed25519_invalid_vectors_are_rejected() {
    check("ed25519", &ed25519_outcomes(), TestResult::Invalid);
}

#[test]
fn wycheproof_ed25519_valid_vectors_are_accepted() {
    check("ed25519", &ed25519_outcomes(), TestResult::Valid);
}

#[test]
fn wycheproof_ed25519_acceptable_vectors_are_reported() {
    report_acceptable("ed25519", &ed25519_outcomes());
}

#[test]
fn wycheproof_p256_p1363_invalid_vectors_are_rejected() {
    check(
        "ecdsa_secp256r1_sha256_p1363",
        &p256_p1363_outcomes(),
        TestResult::Invalid,
    );
}

#[test]
fn wycheproof_p256_p1363_valid_vectors_are_accepted() {
    check(
        "ecdsa_secp256r1_sha256_p1363",
        &p256_p1363_outcomes(),
        TestResult::Valid,
    );
}

#[test]
fn wycheproof_p256_p1363_acceptable_vectors_are_reported() {
    report_acceptable("ecdsa_secp256r1_sha256_p1363", &p256_p1363_outcomes());
}
