//! Re-issuance after recovery (`lommebok::reissuance`): Kari's holder key lived in her phone's
//! keystore and was lost with it. Her guardians restore the wallet onto a new phone with a new
//! platform key; her residence credential still names the old key's DID, so the wallet asks the
//! municipality to re-issue it, with two guardians' confirmations; the municipality re-issues to
//! the new DID and revokes the old credential in the same step.

use std::sync::Arc;

use lommebok::reissuance::{self, ReissuanceError, ReissuePolicy};
use lommebok::status::StatusListCache;
use lommebok::wallet::recovery::{self, DeviceRecovery, Guardian, GuardianWallet};
use lommebok::wallet::store::{MemoryStorage, RawKey, WalletStore};
use lommebok::wallet::{Choice, HolderWallet};
use lommebok::{Algorithm, CheckKind, Did, Signer as _, SoftwareKey, Verifier};
use serde_json::Value;

use crate::status::{publish, setup};
use crate::support::{self, now};

struct Story {
    municipality: lommebok::Issuer,
    lists: Arc<StatusListCache>,
    verifier: Verifier,
    wallet: HolderWallet,
    old_did: String,
    credential_id: String,
    guardian_keys: Vec<Arc<SoftwareKey>>,
}

/// Kari's wallet on a platform key, protected 2-of-3, lost, and restored onto a new platform
/// key by two guardians.
fn restored() -> Story {
    let (municipality, lists, verifier) = setup();
    let old_key: Arc<dyn lommebok::Signer> = support::key(Algorithm::P256, 70);
    let wallet = HolderWallet::open(
        Arc::new(MemoryStorage::new()),
        &RawKey::new([1; 32]),
        Some(old_key),
    )
    .unwrap();
    let old_did = wallet.did().to_string();
    let residence = support::residence(&municipality, &old_did);
    publish(&municipality, &lists);
    let held = wallet
        .import(&residence.to_json_string(), &verifier, None)
        .unwrap();

    let guardian_keys: Vec<Arc<SoftwareKey>> = (71..74)
        .map(|b| support::key(Algorithm::Ed25519, b))
        .collect();
    let guardian_stores: Vec<WalletStore> = (10..13)
        .map(|b| WalletStore::open(Arc::new(MemoryStorage::new()), &RawKey::new([b; 32])).unwrap())
        .collect();
    let guardians: Vec<GuardianWallet<'_>> = guardian_stores
        .iter()
        .map(|store| GuardianWallet::open(store).unwrap())
        .collect();
    let list: Vec<Guardian> = ["Ola", "Ingrid", "Per"]
        .iter()
        .zip(&guardians)
        .map(|(name, g)| Guardian::new(*name, g.public_key().clone()))
        .collect();
    let protection = recovery::protect(&wallet, 2, &list).unwrap();
    for (guardian, share) in guardians.iter().zip(&protection.shares) {
        guardian.keep(&share.sealed).unwrap();
    }
    drop(wallet);

    // A new phone, a new platform key.
    let new_key = support::key(Algorithm::P256, 74);
    let mut device = DeviceRecovery::new(&protection.backup, new_key.as_ref()).unwrap();
    for (name, guardian) in [("Ola", &guardians[0]), ("Ingrid", &guardians[1])] {
        let pending = guardian.check_request(device.request()).unwrap();
        let release = guardian.release(&pending, device.short_code()).unwrap();
        device.add_release(name, &release).unwrap();
    }
    let restored = device
        .restore_with_platform_key(
            Arc::new(MemoryStorage::new()),
            &RawKey::new([2; 32]),
            new_key,
        )
        .unwrap();
    Story {
        municipality,
        lists,
        verifier,
        wallet: restored.wallet,
        old_did,
        credential_id: held.id,
        guardian_keys,
    }
}

fn guardian_dids(story: &Story) -> Vec<String> {
    story
        .guardian_keys
        .iter()
        .map(|k| Did::from_public_key(&k.public_key()).to_string())
        .collect()
}

fn confirmations(story: &Story, guardians: &[usize]) -> Vec<String> {
    guardians
        .iter()
        .map(|&g| {
            reissuance::confirm(
                story.guardian_keys[g].as_ref(),
                &story.old_did,
                story.wallet.did().as_str(),
                now(),
            )
            .unwrap()
        })
        .collect()
}

fn policy(story: &Story) -> ReissuePolicy {
    ReissuePolicy::new(2, guardian_dids(story))
}

#[test]
fn a_restored_platform_key_wallet_gets_its_credential_reissued_and_the_old_one_revoked() {
    let story = restored();
    assert_ne!(story.wallet.did().as_str(), story.old_did);
    assert_eq!(
        story.wallet.previous_holders().unwrap(),
        vec![story.old_did.clone()]
    );
    assert!(!story.wallet.has_software_key());

    // The old credential came back, but names the lost key: the wallet will not present
    // it, and says why.
    let query = crate::wallet_holder::residence_query();
    let request = story.verifier.request(Some("apotek.example"));
    let refused = story.wallet.present_at(
        &query,
        &[Choice::new("residence", &story.credential_id, None)],
        &request,
        "Apotek 1",
        now(),
    );
    assert!(
        matches!(&refused, Err(lommebok::wallet::HolderWalletError::NotAnAnswer(why)) if why.contains("re-issued")),
        "{refused:?}"
    );

    let asked = reissuance::request(
        &story.wallet,
        &story.credential_id,
        &confirmations(&story, &[0, 1]),
        now(),
    )
    .unwrap();
    let reissued = story
        .municipality
        .reissue(&asked, &policy(&story), &story.verifier)
        .unwrap();
    assert_eq!(reissued.confirmed_by.len(), 2);
    assert_eq!(
        reissued.credential.subject_ids(),
        vec![Some(story.wallet.did().as_str())]
    );
    let old_text = story.wallet.export(&story.credential_id).unwrap();
    let old: Value = serde_json::from_str(&old_text).unwrap();
    assert_eq!(reissued.revoked, old["id"].as_str().unwrap());
    assert_ne!(reissued.credential.id(), old["id"].as_str());
    let new = reissued.credential.as_json();
    assert_eq!(
        new["credentialSubject"]["municipality"],
        old["credentialSubject"]["municipality"]
    );

    // The old credential is revoked in the published list; the new one is in force.
    publish(&story.municipality, &story.lists);
    let revoked = story.verifier.verify_credential(&old_text).unwrap();
    assert!(
        revoked
            .report
            .failures()
            .any(|c| c.check == CheckKind::Status && c.reason == "revoked")
    );

    // The wallet keeps the new credential and presents it; the verifier accepts.
    let held = story
        .wallet
        .import(&reissued.credential.to_json_string(), &story.verifier, None)
        .unwrap();
    let request = story.verifier.request(Some("apotek.example"));
    let made = story
        .wallet
        .present_at(
            &query,
            &[Choice::new("residence", &held.id, None)],
            &request,
            "Apotek 1",
            now(),
        )
        .unwrap();
    let after = story
        .verifier
        .verify_presentation(&made.presentations[0].presentation, &request)
        .unwrap();
    assert!(after.is_valid(), "{:#?}", after.report);

    // The same request again: the old credential is revoked now.
    let again = story
        .municipality
        .reissue(&asked, &policy(&story), &story.verifier);
    assert!(
        matches!(again, Err(ReissuanceError::Credential(_))),
        "{again:?}"
    );
}

#[test]
fn reissuance_needs_enough_accepted_guardians() {
    let story = restored();
    let one = reissuance::request(
        &story.wallet,
        &story.credential_id,
        &confirmations(&story, &[0]),
        now(),
    )
    .unwrap();
    let error = story
        .municipality
        .reissue(&one, &policy(&story), &story.verifier)
        .unwrap_err();
    assert!(
        matches!(
            error,
            ReissuanceError::NotConfirmed {
                have: 1,
                need: 2,
                ..
            }
        ),
        "{error}"
    );
    // Two confirmations by the same guardian count once.
    let twice = reissuance::request(
        &story.wallet,
        &story.credential_id,
        &confirmations(&story, &[0, 0]),
        now(),
    )
    .unwrap();
    assert!(matches!(
        story
            .municipality
            .reissue(&twice, &policy(&story), &story.verifier),
        Err(ReissuanceError::NotConfirmed { have: 1, .. })
    ));
    // A stranger's confirmation is not a guardian's.
    let stranger = support::key(Algorithm::Ed25519, 75);
    let mut confirmed = confirmations(&story, &[0]);
    confirmed.push(
        reissuance::confirm(
            stranger.as_ref(),
            &story.old_did,
            story.wallet.did().as_str(),
            now(),
        )
        .unwrap(),
    );
    let with_stranger =
        reissuance::request(&story.wallet, &story.credential_id, &confirmed, now()).unwrap();
    let error = story
        .municipality
        .reissue(&with_stranger, &policy(&story), &story.verifier)
        .unwrap_err();
    assert!(
        error.to_string().contains("not an accepted guardian"),
        "{error}"
    );
    // A confirmation for other holders does not count.
    let elsewhere = reissuance::confirm(
        story.guardian_keys[1].as_ref(),
        &story.old_did,
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        now(),
    )
    .unwrap();
    let mut confirmed = confirmations(&story, &[0]);
    confirmed.push(elsewhere);
    let mismatched =
        reissuance::request(&story.wallet, &story.credential_id, &confirmed, now()).unwrap();
    let error = story
        .municipality
        .reissue(&mismatched, &policy(&story), &story.verifier)
        .unwrap_err();
    assert!(error.to_string().contains("for other holders"), "{error}");
}

#[test]
fn reissuance_requests_that_are_forged_misaddressed_or_tampered_are_refused() {
    let story = restored();
    let asked = reissuance::request(
        &story.wallet,
        &story.credential_id,
        &confirmations(&story, &[0, 1]),
        now(),
    )
    .unwrap();
    // Another issuer will not re-issue what it did not issue (and the request is not for it).
    let other = lommebok::Issuer::new(support::key(Algorithm::Ed25519, 76));
    assert!(matches!(
        other.reissue(&asked, &policy(&story), &story.verifier),
        Err(ReissuanceError::Refused(_))
    ));
    // A changed payload breaks the new key's signature.
    let parts: Vec<&str> = asked.split('.').collect();
    let mut payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap(),
    )
    .unwrap();
    payload["credential"]["credentialSubject"]["municipality"] = "Oslo".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            payload.to_string()
        ),
        parts[2]
    );
    assert!(matches!(
        story
            .municipality
            .reissue(&tampered, &policy(&story), &story.verifier),
        Err(ReissuanceError::Refused(_))
    ));
    // Garbage is malformed, never a panic.
    for bad in ["", "a.b.c", "{}", &asked[..asked.len() / 2]] {
        assert!(
            story
                .municipality
                .reissue(bad, &policy(&story), &story.verifier)
                .is_err()
        );
    }
    // Nothing was revoked by the refusals: the proper request still works.
    assert!(
        story
            .municipality
            .reissue(&asked, &policy(&story), &story.verifier)
            .is_ok()
    );
}
