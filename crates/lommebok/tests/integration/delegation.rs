//! Acting for someone else (`lommebok::delegation`): Kari delegates to her son Ola the
//! presenting of her residence credential at the pharmacy. Ola's wallet holds the delegation
//! and Kari's credential, and presents both; the pharmacy's report says "presented by Ola on
//! behalf of Kari under delegation D". Each way it must fail is a named test.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use lommebok::delegation::{Delegation, DelegationScope};
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::trust::{ListedIssuer, TrustListContents, TrustLists};
use lommebok::wallet::store::{Argon2Params, MemoryStorage, PassphraseKey};
use lommebok::wallet::{Choice, HolderWallet, HolderWalletError};
use lommebok::{
    Algorithm, CheckKind, Credential, Did, Issuer, PresentationRequest, Signer as _, Verifier,
    Wallet,
};
use serde_json::json;

use crate::support::{self, key, now};

const DELEGATIONS: &str = "https://kari.example/status/delegations";

fn kari() -> Issuer {
    Issuer::new(key(Algorithm::Ed25519, 60))
}

fn ola_key() -> Arc<lommebok::SoftwareKey> {
    key(Algorithm::Ed25519, 61)
}

fn pharmacy_did() -> Did {
    Did::from_public_key(&key(Algorithm::P256, 62).public_key())
}

fn bank_did() -> Did {
    Did::from_public_key(&key(Algorithm::P256, 63).public_key())
}

fn delegation_id(n: u32) -> String {
    format!("urn:uuid:0de1e9a7-0000-4000-8000-{n:012}")
}

/// A delegation from `issuer` letting `delegate` present Kari's credentials within `scope`,
/// valid `from`..`until`.
fn delegation(
    issuer: &Issuer,
    delegate: &Did,
    scope: &DelegationScope,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    n: u32,
) -> Credential {
    let unsigned = Delegation::to_credential(
        &delegation_id(n),
        issuer.did(),
        delegate,
        kari().did(),
        scope,
        from,
        Some(until),
    )
    .unwrap();
    issuer.issue_at(&unsigned, from).unwrap()
}

fn residence_scope() -> DelegationScope {
    DelegationScope::new(["ResidenceCredential"]).to_verifier(pharmacy_did().as_str())
}

fn pharmacy_request(verifier: &Verifier) -> PresentationRequest {
    verifier.request(Some(&format!(
        "decentralized_identifier:{}",
        pharmacy_did()
    )))
}

/// Kari's residence credential, from the municipality.
fn karis_residence() -> Credential {
    support::residence(&support::issuer(), kari().did().as_str())
}

/// Ola presents `credentials` (in-memory wallet: whatever he puts in).
fn ola_presents(credentials: &[Credential], request: &PresentationRequest) -> String {
    Wallet::new(ola_key())
        .present_at(credentials, request, now())
        .unwrap()
        .to_json_string()
}

fn binding_of(report: &lommebok::VerificationReport) -> Vec<(bool, String)> {
    report
        .checks
        .iter()
        .filter(|c| c.check == CheckKind::HolderBinding && c.target == "credential[0]")
        .map(|c| (c.passed, c.reason.clone()))
        .collect()
}

fn ola_did() -> Did {
    Did::from_public_key(&ola_key().public_key())
}

#[test]
fn a_helper_presents_on_behalf_of_the_citizen_under_her_delegation() {
    let verifier = support::verifier();
    let request = pharmacy_request(&verifier);
    let granted = delegation(
        &kari(),
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        1,
    );
    let vp = ola_presents(&[karis_residence(), granted], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    let (passed, reason) = binding_of(&outcome.report).remove(0);
    assert!(passed);
    assert_eq!(
        reason,
        format!(
            "presented by {} on behalf of {} under delegation {}",
            ola_did(),
            kari().did(),
            delegation_id(1)
        )
    );
}

#[test]
fn without_a_delegation_another_subjects_credential_is_rejected_as_before() {
    let verifier = support::verifier();
    let request = pharmacy_request(&verifier);
    let vp = ola_presents(&[karis_residence()], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    assert_eq!(
        binding_of(&outcome.report),
        vec![(
            false,
            "the credential is about someone other than the holder".to_owned()
        )]
    );
}

#[test]
fn delegation_out_of_scope_type_is_rejected() {
    let verifier = support::verifier();
    let request = pharmacy_request(&verifier);
    let benefits_only = delegation(
        &kari(),
        &ola_did(),
        &DelegationScope::new(["BenefitCredential"]),
        now() - Duration::days(1),
        now() + Duration::days(90),
        2,
    );
    let vp = ola_presents(&[karis_residence(), benefits_only], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    let (passed, reason) = binding_of(&outcome.report).remove(0);
    assert!(!passed);
    assert!(
        reason.contains("does not cover ResidenceCredential"),
        "{reason}"
    );
}

#[test]
fn delegation_to_another_verifier_is_rejected() {
    let verifier = support::verifier();
    let at_the_bank = verifier.request(Some(&format!("decentralized_identifier:{}", bank_did())));
    let granted = delegation(
        &kari(),
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        3,
    );
    let vp = ola_presents(&[karis_residence(), granted], &at_the_bank);
    let outcome = verifier.verify_presentation(&vp, &at_the_bank).unwrap();
    let (passed, reason) = binding_of(&outcome.report).remove(0);
    assert!(!passed);
    assert!(reason.contains("does not allow presenting to"), "{reason}");
}

#[test]
fn expired_delegation_is_rejected() {
    let verifier = support::verifier();
    let request = pharmacy_request(&verifier);
    let expired = delegation(
        &kari(),
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(90),
        now() - Duration::days(1),
        4,
    );
    let vp = ola_presents(&[karis_residence(), expired], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    assert!(outcome.report.failed(CheckKind::ValidityPeriod));
    assert!(!binding_of(&outcome.report)[0].0, "{:#?}", outcome.report);
}

#[test]
fn revoked_delegation_is_rejected_at_once() {
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(DELEGATIONS, StatusPurpose::Revocation)
        .unwrap();
    let kari = kari().with_status(registry, &[DELEGATIONS]);
    let cache = Arc::new(StatusListCache::new());
    let publish = |cache: &StatusListCache| {
        let list = kari
            .status_list_credential_at(
                DELEGATIONS,
                now() - Duration::hours(1),
                now() + Duration::days(1),
            )
            .unwrap();
        cache.insert(DELEGATIONS, &list.to_json_string());
    };
    let granted = delegation(
        &kari,
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        5,
    );
    assert_eq!(granted.status_entries().len(), 1);
    publish(&cache);
    let verifier = support::verifier().with_status_source(cache.clone());
    let request = pharmacy_request(&verifier);
    let vp = ola_presents(&[karis_residence(), granted.clone()], &request);
    assert!(
        verifier
            .verify_presentation(&vp, &request)
            .unwrap()
            .is_valid()
    );

    kari.revoke(&delegation_id(5)).unwrap();
    publish(&cache);
    let request = pharmacy_request(&verifier);
    let vp = ola_presents(&[karis_residence(), granted], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    assert!(
        outcome
            .report
            .failures()
            .any(|c| c.check == CheckKind::Status && c.reason == "revoked")
    );
    assert!(!binding_of(&outcome.report)[0].0);
}

#[test]
fn delegation_to_another_helper_is_rejected() {
    // Per got hold of Kari's credential and Ola's delegation; he signs as himself.
    let verifier = support::verifier();
    let request = pharmacy_request(&verifier);
    let granted = delegation(
        &kari(),
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        6,
    );
    let per = Wallet::new(key(Algorithm::Ed25519, 64));
    let vp = per
        .present_at(&[karis_residence(), granted], &request, now())
        .unwrap()
        .to_json_string();
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    let bindings: Vec<bool> = outcome
        .report
        .checks
        .iter()
        .filter(|c| c.check == CheckKind::HolderBinding)
        .map(|c| c.passed)
        .collect();
    assert_eq!(bindings, [false, false], "{:#?}", outcome.report);
}

#[test]
fn delegation_from_someone_other_than_the_principal_is_rejected_without_trust_lists() {
    // An "authority" nobody listed issues a delegation of Kari to Ola.
    let self_appointed = Issuer::new(key(Algorithm::Ed25519, 65));
    let verifier = support::verifier();
    let request = pharmacy_request(&verifier);
    let granted = delegation(
        &self_appointed,
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        7,
    );
    let vp = ola_presents(&[karis_residence(), granted], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    assert!(!binding_of(&outcome.report)[0].0);
}

#[test]
fn delegation_by_a_listed_authority_is_accepted_and_by_an_unlisted_one_rejected() {
    let anchor = Issuer::new(key(Algorithm::Ed25519, 66));
    let guardianship = Issuer::new(key(Algorithm::Ed25519, 67)); // e.g. the county governor
    let mut contents = TrustListContents::new("urn:example:trust-list:no", 1);
    contents.add_issuer(ListedIssuer::new(
        guardianship.did().as_str(),
        "Statsforvalteren",
        ["DelegationCredential"],
    ));
    contents.add_issuer(ListedIssuer::new(
        support::issuer().did().as_str(),
        "Tromsø kommune",
        ["ResidenceCredential"],
    ));
    let from = now() - Duration::days(1);
    let list = anchor
        .issue_at(
            &contents.to_credential(anchor.did(), from, None).unwrap(),
            from,
        )
        .unwrap();
    let trust = Arc::new(TrustLists::new([anchor.did().as_str()]));
    trust
        .add(&list.to_json_string(), &support::verifier())
        .unwrap();
    let verifier = support::verifier().with_trust_lists(trust);

    let request = pharmacy_request(&verifier);
    let granted = delegation(
        &guardianship,
        &ola_did(),
        &residence_scope(),
        from,
        now() + Duration::days(90),
        8,
    );
    let vp = ola_presents(&[karis_residence(), granted], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    assert!(binding_of(&outcome.report)[0].1.contains("on behalf of"));

    let impostor = Issuer::new(key(Algorithm::Ed25519, 68));
    let request = pharmacy_request(&verifier);
    let forged = delegation(
        &impostor,
        &ola_did(),
        &residence_scope(),
        from,
        now() + Duration::days(90),
        9,
    );
    let vp = ola_presents(&[karis_residence(), forged], &request);
    let outcome = verifier.verify_presentation(&vp, &request).unwrap();
    assert!(!outcome.is_valid());
    assert!(
        outcome
            .report
            .failures()
            .any(|c| c.check == CheckKind::Trust && c.reason.starts_with("issuer not listed"))
    );
    assert!(!binding_of(&outcome.report)[0].0);
}

fn fast_key() -> PassphraseKey {
    PassphraseKey::new("hemmelig")
        .with_params(Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
}

#[test]
fn the_helpers_wallet_keeps_and_presents_the_citizens_credential_only_under_a_delegation() {
    let ola =
        HolderWallet::open(Arc::new(MemoryStorage::new()), &fast_key(), Some(ola_key())).unwrap();
    let verifier = support::verifier();
    let residence = karis_residence().to_json_string();
    // Without a delegation, Kari's credential is not Ola's to keep.
    assert!(matches!(
        ola.import(&residence, &verifier, None),
        Err(HolderWalletError::NotBound { .. })
    ));
    let granted = delegation(
        &kari(),
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        10,
    );
    ola.import(&granted.to_json_string(), &verifier, None)
        .unwrap();
    let held = ola.import(&residence, &verifier, None).unwrap();

    let query = lommebok::query::DcqlQuery::parse(
        &json!({"credentials": [{"id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ResidenceCredential"]]}}]})
        .to_string(),
    )
    .unwrap();
    let request = pharmacy_request(&verifier);
    let made = ola
        .present_at(
            &query,
            &[Choice::new("residence", &held.id, None)],
            &request,
            "Apotek 1",
            now(),
        )
        .unwrap();
    let outcome = verifier
        .verify_presentation(&made.presentations[0].presentation, &request)
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
    assert!(binding_of(&outcome.report)[0].1.contains("on behalf of"));

    // At the bank the delegation does not reach: the wallet will not present it there.
    let at_the_bank = verifier.request(Some(&format!("decentralized_identifier:{}", bank_did())));
    let refused = ola.present_at(
        &query,
        &[Choice::new("residence", &held.id, None)],
        &at_the_bank,
        "Banken",
        now(),
    );
    assert!(
        matches!(refused, Err(HolderWalletError::NotAnAnswer(_))),
        "{refused:?}"
    );
}

#[test]
fn the_helpers_wallet_keeps_nothing_under_a_delegation_the_principal_did_not_issue() {
    let ola =
        HolderWallet::open(Arc::new(MemoryStorage::new()), &fast_key(), Some(ola_key())).unwrap();
    let verifier = support::verifier();
    // Ola signs "Kari delegates to Ola" himself.
    let self_made = delegation(
        &Issuer::new(ola_key()),
        &ola_did(),
        &residence_scope(),
        now() - Duration::days(1),
        now() + Duration::days(90),
        11,
    );
    ola.import(&self_made.to_json_string(), &verifier, None)
        .unwrap();
    assert!(matches!(
        ola.import(&karis_residence().to_json_string(), &verifier, None),
        Err(HolderWalletError::NotBound { .. })
    ));
}
