//! Hostile input without a fuzzer: thousands of deterministic mutations of a valid credential
//! and presentation. None may panic, and none may verify unless it still means exactly the
//! original document (e.g. only whitespace changed).

use serde_json::Value;

use crate::support::{self, now};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    let at = rng.below(out.len());
    match rng.below(5) {
        0 => out[at] ^= 1 << rng.below(8),
        1 => {
            out.remove(at);
        }
        2 => out.insert(at, b"{}[]\",:0a\\"[rng.below(10)]),
        3 => out.truncate(at),
        _ => {
            let other = rng.below(out.len());
            out.swap(at, other);
        }
    }
    out
}

/// Runs `verify` on `count` mutations of `original`; returns how many were rejected (an error
/// or an invalid report).
fn run(original: &str, count: usize, seed: u64, verify: impl Fn(&str) -> Option<bool>) -> usize {
    let original_json: Value = serde_json::from_str(original).unwrap();
    let mut rng = Rng(seed);
    let mut rejected = 0;
    for _ in 0..count {
        let bytes = mutate(&mut rng, original.as_bytes());
        let Ok(text) = String::from_utf8(bytes) else {
            rejected += 1;
            continue;
        };
        match verify(&text) {
            Some(true) => {
                let parsed: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(
                    parsed, original_json,
                    "a changed document verified:\n{text}"
                );
            }
            _ => rejected += 1,
        }
    }
    rejected
}

#[test]
fn mutated_credentials_never_panic_and_never_verify_changed() {
    let issuer = support::issuer();
    let wallet = support::wallet();
    let credential = support::residence(&issuer, wallet.did().as_str()).to_json_string();
    let verifier = support::verifier();
    let rejected = run(&credential, 1500, 0x9e37_79b9_7f4a_7c15, |text| {
        verifier.verify_credential(text).ok().map(|v| v.is_valid())
    });
    // Most mutations change something that matters; a few only touch whitespace.
    assert!(rejected > 1200, "only {rejected} of 1500 rejected");
}

#[test]
fn mutated_presentations_never_panic_and_never_verify_changed() {
    let issuer = support::issuer();
    let wallet = support::wallet();
    let credential = support::residence(&issuer, wallet.did().as_str());
    let verifier = support::verifier();
    let request = lommebok::PresentationRequest {
        challenge: "mutation-test".into(),
        domain: Some("apotek.example".into()),
    };
    let vp = wallet
        .present_at(&[credential], &request, now())
        .unwrap()
        .to_json_string();
    let rejected = run(&vp, 600, 0x2545_f491_4f6c_dd1d, |text| {
        verifier.expect_challenge(&request.challenge);
        verifier
            .verify_presentation(text, &request)
            .ok()
            .map(|v| v.is_valid())
    });
    assert!(rejected > 450, "only {rejected} of 600 rejected");
}
