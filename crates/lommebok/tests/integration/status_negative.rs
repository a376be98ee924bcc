//! Status lists a verifier must not trust, through the public [`Verifier`], one named test each:
//! the status check fails with a reason that says why, and nothing else fails. Then a round trip
//! over many credentials, and a revoked credential inside a presentation.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::Duration;
use lommebok::data_integrity::{self, Cryptosuite, ProofOptions};
use lommebok::status::{
    Bitstring, MAX_BITS, MIN_ENTRIES, StatusEntry, StatusListCache, StatusPurpose, StatusRegistry,
    StatusSource as _,
};
use lommebok::{Algorithm, CheckKind, Credential, Issuer, Verifier};
use serde_json::{Map, Value, json};

use crate::status::{REVOCATION, SUSPENSION, publish, setup};
use crate::support::{self, now};

/// The default wallet's residence credential from `issuer` (with its two status entries).
fn credential(issuer: &Issuer) -> Credential {
    support::residence(issuer, support::wallet().did().as_str())
}

/// The credential's entry in the list at `url`.
fn entry(credential: &Credential, url: &str) -> StatusEntry {
    credential
        .status_entries()
        .into_iter()
        .map(|e| StatusEntry::from_json(e).unwrap())
        .find(|e| e.list_credential == url)
        .unwrap_or_else(|| panic!("no entry for {url}"))
}

/// Verifies `credential` and returns the reasons of its failed checks, asserting that it is
/// invalid and that only status checks failed.
fn status_failures(verifier: &Verifier, credential: &str) -> Vec<String> {
    let outcome = verifier.verify_credential(credential).unwrap();
    assert!(!outcome.is_valid(), "accepted: {:#?}", outcome.report);
    let failures: Vec<_> = outcome.report.failures().collect();
    assert!(
        failures.iter().all(|c| c.check == CheckKind::Status),
        "a check other than status failed: {failures:#?}"
    );
    failures.iter().map(|c| c.reason.clone()).collect()
}

/// Asserts exactly one failed check, a status check whose reason contains every one of
/// `expected`; returns the reason.
fn assert_one_status_failure(verifier: &Verifier, credential: &str, expected: &[&str]) -> String {
    let reasons = status_failures(verifier, credential);
    assert_eq!(reasons.len(), 1, "{reasons:#?}");
    for part in expected {
        assert!(reasons[0].contains(part), "{:?} lacks {part:?}", reasons[0]);
    }
    reasons[0].clone()
}

fn assert_valid(verifier: &Verifier, credential: &str) {
    let outcome = verifier.verify_credential(credential).unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
}

/// The list published for `url` in `cache`, as JSON.
fn published(cache: &StatusListCache, url: &str) -> Map<String, Value> {
    let text = cache.status_list_credential(url).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Signs `document` with the fixture issuer's key below the facades (eddsa-rdfc-2022,
/// assertionMethod), as another implementation might.
fn sign_directly(document: &Map<String, Value>) -> Map<String, Value> {
    let signer = support::key(Algorithm::Ed25519, 1);
    let options = ProofOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: lommebok::Did::key_verification_method(&lommebok::Signer::public_key(
            signer.as_ref(),
        )),
        proof_purpose: "assertionMethod".into(),
        created: Some(now()),
        expires: None,
        challenge: None,
        domain: None,
    };
    data_integrity::add_proof(
        document,
        &options,
        signer.as_ref(),
        &lommebok::contexts::ContextRegistry::new(),
    )
    .unwrap()
}

/// Publishes for `url` the issuer's list with its `credentialSubject` changed by `change`, then
/// properly signed again by the issuer's key: only the change can make it fail.
fn publish_resigned(
    issuer: &Issuer,
    cache: &StatusListCache,
    url: &str,
    change: impl FnOnce(&mut Map<String, Value>),
) {
    let mut list = issuer
        .status_list_credential_at(url, now() - Duration::hours(1), now() + Duration::days(1))
        .unwrap()
        .into_json();
    list.remove("proof");
    change(list["credentialSubject"].as_object_mut().unwrap());
    let signed = sign_directly(&list);
    cache.insert(url, &serde_json::to_string(&signed).unwrap());
}

#[test]
fn bsl_published_lists_verify_as_the_baseline() {
    let (issuer, cache, verifier) = setup();
    let credential = credential(&issuer);
    publish(&issuer, &cache);
    assert_valid(&verifier, &credential.to_json_string());
    // And a list re-signed below the facade, unchanged, is as good (the helper the tests below
    // use is not itself a reason to fail).
    publish_resigned(&issuer, &cache, REVOCATION, |_| {});
    assert_valid(&verifier, &credential.to_json_string());
}

#[test]
fn bsl_tampered_encoded_list_with_the_old_proof_does_not_verify() {
    // The attack: the credential is revoked, and someone clears its bit in the published list.
    let (issuer, cache, verifier) = setup();
    let credential = credential(&issuer);
    let text = credential.to_json_string();
    issuer.revoke(credential.id().unwrap()).unwrap();
    publish(&issuer, &cache);
    assert_one_status_failure(&verifier, &text, &["revoked"]);

    let mut list = published(&cache, REVOCATION);
    let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
    let mut bits = Bitstring::decode(encoded).unwrap();
    let index = entry(&credential, REVOCATION).index;
    assert_eq!(bits.get(index, 1).unwrap(), 1);
    bits.set(index, 1, 0).unwrap();
    list["credentialSubject"]["encodedList"] = bits.encode().into();
    cache.insert(REVOCATION, &serde_json::to_string(&list).unwrap());
    assert_one_status_failure(
        &verifier,
        &text,
        &[REVOCATION, "does not verify", "signature"],
    );
}

#[test]
fn bsl_tampered_valid_until_with_the_old_proof_does_not_verify() {
    // The attack: an old list is made to look current.
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    let mut list = published(&cache, REVOCATION);
    list["validUntil"] = json!("2030-01-01T00:00:00Z");
    cache.insert(REVOCATION, &serde_json::to_string(&list).unwrap());
    assert_one_status_failure(&verifier, &text, &[REVOCATION, "does not verify"]);
}

#[test]
fn bsl_list_signed_by_another_issuer_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    // Another issuer, with its own key, publishes a (valid, signed) list at the same URL.
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(REVOCATION, StatusPurpose::Revocation)
        .unwrap();
    let other = Issuer::new(support::key(Algorithm::Ed25519, 7)).with_status(registry, &[]);
    let list = other
        .status_list_credential_at(
            REVOCATION,
            now() - Duration::hours(1),
            now() + Duration::days(1),
        )
        .unwrap();
    cache.insert(REVOCATION, &list.to_json_string());
    assert_one_status_failure(
        &verifier,
        &text,
        &[
            "issued by",
            other.did().as_str(),
            "not by the credential's issuer",
        ],
    );
}

#[test]
fn bsl_list_of_another_purpose_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    // The same issuer (same key) publishes a suspension list at the revocation list's URL.
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(REVOCATION, StatusPurpose::Suspension)
        .unwrap();
    let same = support::issuer().with_status(registry, &[]);
    assert_eq!(same.did(), issuer.did());
    let list = same
        .status_list_credential_at(
            REVOCATION,
            now() - Duration::hours(1),
            now() + Duration::days(1),
        )
        .unwrap();
    cache.insert(REVOCATION, &list.to_json_string());
    assert_one_status_failure(
        &verifier,
        &text,
        &["statusPurpose mismatch", "not for revocation"],
    );
}

/// The issuer's credential with its revocation entry's index set to `index`, signed again.
fn credential_with_index(issuer: &Issuer, index: &str) -> String {
    let mut json = credential(issuer).into_json();
    json.remove("proof");
    let status = json["credentialStatus"].as_array_mut().unwrap();
    let revocation = status
        .iter_mut()
        .find(|e| e["statusListCredential"] == REVOCATION)
        .unwrap();
    revocation["statusListIndex"] = index.into();
    serde_json::to_string(&sign_directly(&json)).unwrap()
}

#[test]
fn bsl_index_outside_the_list_fails() {
    let (issuer, cache, verifier) = setup();
    publish(&issuer, &cache);
    // The first index past the end: 131,072 entries are 0 to 131,071.
    let text = credential_with_index(&issuer, &MIN_ENTRIES.to_string());
    assert_one_status_failure(
        &verifier,
        &text,
        &[
            REVOCATION,
            "status index 131072 is outside the list of 131072 entries",
        ],
    );
    // The largest index there is.
    let text = credential_with_index(&issuer, &u64::MAX.to_string());
    assert_one_status_failure(&verifier, &text, &["outside the list"]);
    // And the last index inside the list is fine.
    let text = credential_with_index(&issuer, &(MIN_ENTRIES - 1).to_string());
    assert_valid(&verifier, &text);
}

#[test]
fn bsl_expired_list_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    for url in [REVOCATION, SUSPENSION] {
        let list = issuer
            .status_list_credential_at(url, now() - Duration::days(3), now() - Duration::days(2))
            .unwrap();
        cache.insert(url, &list.to_json_string());
    }
    let reasons = status_failures(&verifier, &text);
    assert_eq!(reasons.len(), 2, "{reasons:#?}");
    for reason in &reasons {
        assert!(reason.contains("is not current"), "{reason}");
        assert!(reason.contains("expired: valid until"), "{reason}");
    }
}

#[test]
fn bsl_missing_list_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    cache.remove(REVOCATION);
    assert_one_status_failure(
        &verifier,
        &text,
        &[
            REVOCATION,
            "cannot be had",
            "missing from the status source",
        ],
    );
}

#[test]
fn bsl_list_whose_id_is_not_its_url_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    // The (valid, signed) suspension list, served for the revocation list's URL.
    let suspension = cache.status_list_credential(SUSPENSION).unwrap();
    cache.insert(REVOCATION, &suspension);
    assert_one_status_failure(
        &verifier,
        &text,
        &[REVOCATION, SUSPENSION, "not the URL it was fetched for"],
    );
}

/// The peak resident set of this process in KiB (`VmHWM`), where `/proc` has it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[test]
fn bsl_gzip_bomb_in_a_signed_list_is_refused_without_inflating_it() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    // 64 MiB of zeros (eight times MAX_BITS) gzip to about 64 KiB, an encodedList well inside
    // the 1 MiB a document may have; signed properly, so only the decoding can refuse it.
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        std::io::Write::write_all(&mut gzip, &zeros).unwrap();
    }
    let compressed = gzip.finish().unwrap();
    drop(zeros);
    let bomb = format!(
        "u{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            compressed
        )
    );
    eprintln!(
        "gzip bomb: 64 MiB of zeros as a {} byte encodedList",
        bomb.len()
    );
    publish_resigned(&issuer, &cache, REVOCATION, |subject| {
        subject.insert("encodedList".into(), bomb.into());
    });

    let peak_before = peak_rss_kib();
    let started = Instant::now();
    assert_one_status_failure(
        &verifier,
        &text,
        &[
            REVOCATION,
            "is not usable",
            &format!("decodes to more than {MAX_BITS} bits"),
        ],
    );
    eprintln!("signed gzip bomb refused in {:?}", started.elapsed());
    if let (Some(before), Some(after)) = (peak_before, peak_rss_kib()) {
        eprintln!("peak RSS of the test process: {before} KiB before, {after} KiB after");
        // Tests run side by side in this process, so this bounds the whole process: far from
        // what inflating a bomb of gigabytes would take.
        assert!(
            after < 1 << 20,
            "peak RSS {after} KiB is a gigabyte or more"
        );
    }
}

#[test]
fn bsl_encoded_list_not_base64url_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    publish_resigned(&issuer, &cache, REVOCATION, |subject| {
        subject.insert("encodedList".into(), json!("uH4sI+AAA/AAA=="));
    });
    assert_one_status_failure(
        &verifier,
        &text,
        &[REVOCATION, "cannot be decoded", "not base64url"],
    );
}

#[test]
fn bsl_list_shorter_than_the_minimum_fails() {
    let (issuer, cache, verifier) = setup();
    let text = credential(&issuer).to_json_string();
    publish(&issuer, &cache);
    let short = Bitstring::zeroed(16).unwrap();
    publish_resigned(&issuer, &cache, REVOCATION, |subject| {
        subject.insert("encodedList".into(), short.encode().into());
    });
    assert_one_status_failure(
        &verifier,
        &text,
        &[
            REVOCATION,
            "the status list has 16 bits, fewer than the minimum 131072",
        ],
    );
}

// Round trip.

/// A small deterministic generator (xorshift, as in `mutations.rs`), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn bsl_two_hundred_credentials_with_a_random_revoked_subset_verify_as_revoked() {
    let (issuer, cache, verifier) = setup();
    let holder = support::wallet().did().to_string();
    let credentials: Vec<(String, String)> = (0..200)
        .map(|i| {
            let id = format!("urn:uuid:00000000-0000-4000-8000-{i:012}");
            let unsigned = issuer
                .credential()
                .with_id(&id)
                .with_subject_id(&holder)
                .with_claim("name", json!(format!("credential {i}")))
                .build()
                .unwrap();
            let signed = issuer.issue_at(&unsigned, now()).unwrap();
            (id, signed.to_json_string())
        })
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let revoked: BTreeSet<usize> = (0..credentials.len())
        .filter(|_| rng.next().is_multiple_of(3))
        .collect();
    assert!(
        (30..120).contains(&revoked.len()),
        "a subset, neither none nor all: {}",
        revoked.len()
    );
    for i in &revoked {
        issuer.revoke(&credentials[*i].0).unwrap();
    }
    publish(&issuer, &cache);

    let mut seen = BTreeSet::new();
    for (i, (id, text)) in credentials.iter().enumerate() {
        let outcome = verifier.verify_credential(text).unwrap();
        let status: Vec<(bool, &str)> = outcome
            .report
            .checks
            .iter()
            .filter(|c| c.check == CheckKind::Status)
            .map(|c| (c.passed, c.reason.as_str()))
            .collect();
        if revoked.contains(&i) {
            assert_eq!(
                status,
                [(false, "revoked"), (true, "not suspended")],
                "{id}"
            );
        } else {
            assert_eq!(
                status,
                [(true, "not revoked"), (true, "not suspended")],
                "{id}"
            );
        }
        assert_eq!(outcome.is_valid(), !revoked.contains(&i), "{id}");
        if !outcome.is_valid() {
            seen.insert(i);
        }
    }
    assert_eq!(seen, revoked);
}

#[test]
fn bsl_presentation_of_a_revoked_credential_is_invalid_under_credential_0() {
    let (issuer, cache, verifier) = setup();
    let wallet = support::wallet();
    let credential = credential(&issuer);
    issuer.revoke(credential.id().unwrap()).unwrap();
    publish(&issuer, &cache);
    let request = verifier.request(Some("apotek.example"));
    let vp = wallet.present_at(&[credential], &request, now()).unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(!outcome.is_valid());
    let failed: Vec<_> = outcome
        .report
        .failures()
        .map(|c| (c.target.as_str(), c.check, c.reason.as_str()))
        .collect();
    assert_eq!(failed, [("credential[0]", CheckKind::Status, "revoked")]);
    // The suspension entry was checked too, and passed.
    assert!(
        outcome
            .report
            .checks
            .iter()
            .any(|c| c.target == "credential[0]"
                && c.check == CheckKind::Status
                && c.passed
                && c.reason == "not suspended")
    );
}
