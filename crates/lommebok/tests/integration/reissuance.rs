//! Re-issuance after recovery (`lommebok::reissuance`): Kari's holder key lived in her phone's
//! keystore and was lost with it. Her guardians restore the wallet onto a new phone with a new
//! platform key; her residence credential still names the old key's DID, so the wallet asks the
//! municipality to re-issue it, with two guardians' confirmations; the municipality re-issues to
//! the new DID and revokes the old credential in the same step. Her PID, an SD-JWT VC bound to
//! the old key (`cnf`), is re-issued the same way, bound to the new key, and revoked in the
//! municipality's Token Status List.

use std::sync::Arc;

use chrono::Duration;
use lommebok::reissuance::{self, ReissuanceError, ReissuePolicy};
use lommebok::sd_jwt::{self, SdJwtOptions};
use lommebok::status::{StatusListCache, StatusPurpose};
use lommebok::wallet::recovery::{self, DeviceRecovery, Guardian, GuardianWallet};
use lommebok::wallet::store::{MemoryStorage, RawKey, WalletStore};
use lommebok::wallet::{Choice, HolderWallet};
use lommebok::{Algorithm, CheckKind, Did, Signer as _, SoftwareKey, Verifier};
use serde_json::Value;

use crate::sd_jwt::{AUD, issuer_key, pid_claims, pid_disclosable};
use crate::status::{publish, setup};
use crate::support::{self, now};

/// The municipality's Token Status List, for its SD-JWT VCs.
const TOKEN_LIST: &str = "https://kommune.example/token-status/1";
const PID: &str = "urn:eudi:pid:1";

struct Story {
    municipality: lommebok::Issuer,
    lists: Arc<StatusListCache>,
    verifier: Verifier,
    wallet: HolderWallet,
    old_did: String,
    credential_id: String,
    pid_id: String,
    guardian_keys: Vec<Arc<SoftwareKey>>,
}

/// Publishes the municipality's Status List Token as it stands.
fn publish_token(municipality: &lommebok::Issuer, lists: &StatusListCache) {
    crate::sd_jwt_status::publish(municipality, lists, TOKEN_LIST);
}

/// A PID from `issuer` bound to `key`, with an entry in its Token Status List.
fn pid(issuer: &lommebok::Issuer, key: lommebok::PublicKey, id: &str) -> String {
    issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &SdJwtOptions::new(PID)
                .with_holder_key(key)
                .valid_until(now() + Duration::days(200))
                .with_status(TOKEN_LIST, id),
            now() - Duration::days(1),
        )
        .unwrap()
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
    municipality
        .status_registry()
        .unwrap()
        .create_list(TOKEN_LIST, StatusPurpose::Revocation)
        .unwrap();
    let kari_pid = pid(&municipality, wallet.public_key(), "urn:uuid:pid-kari");
    publish_token(&municipality, &lists);
    let held_pid = wallet
        .import(&kari_pid, &verifier, Some(&issuer_key(&municipality)))
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
        pid_id: held_pid.id,
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

/// The wallet's request for `held_id` with Ola's and Ingrid's confirmations, and what the
/// municipality did with it.
fn reissue_confirmed(story: &Story, held_id: &str) -> (String, reissuance::Reissued) {
    let asked = reissuance::request(
        &story.wallet,
        held_id,
        &confirmations(story, &[0, 1]),
        now(),
    )
    .unwrap();
    let reissued = story
        .municipality
        .reissue(&asked, &policy(story), &story.verifier)
        .unwrap();
    assert_eq!(reissued.confirmed_by.len(), 2);
    (asked, reissued)
}

/// The wallet's answer to the pharmacy's `query` (at `domain`) with the held credential
/// `held_id` for its Credential Query `query_id`, and the request it answers.
fn present_to_pharmacy(
    story: &Story,
    query: &lommebok::query::DcqlQuery,
    query_id: &str,
    held_id: &str,
    domain: &str,
) -> (String, lommebok::PresentationRequest) {
    let request = story.verifier.request(Some(domain));
    let mut made = story
        .wallet
        .present_at(
            query,
            &[Choice::new(query_id, held_id, None)],
            &request,
            "Apotek 1",
            now(),
        )
        .unwrap();
    (made.presentations.remove(0).presentation, request)
}

/// The same request again is refused: the old credential is revoked now.
fn refused_again(story: &Story, asked: &str) {
    let again = story
        .municipality
        .reissue(asked, &policy(story), &story.verifier);
    assert!(
        matches!(again, Err(ReissuanceError::Credential(_))),
        "{again:?}"
    );
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

    let (asked, reissued) = reissue_confirmed(&story, &story.credential_id);
    let credential = reissued.credential.as_data_integrity().unwrap();
    assert_eq!(
        credential.subject_ids(),
        vec![Some(story.wallet.did().as_str())]
    );
    let old_text = story.wallet.export(&story.credential_id).unwrap();
    let old: Value = serde_json::from_str(&old_text).unwrap();
    assert_eq!(reissued.revoked, old["id"].as_str().unwrap());
    assert_ne!(credential.id(), old["id"].as_str());
    let new = credential.as_json();
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
        .import(&reissued.credential.to_text(), &story.verifier, None)
        .unwrap();
    let (presentation, request) =
        present_to_pharmacy(&story, &query, "residence", &held.id, "apotek.example");
    let after = story
        .verifier
        .verify_presentation(&presentation, &request)
        .unwrap();
    assert!(after.is_valid(), "{:#?}", after.report);

    // The same request again: the old credential is revoked now.
    refused_again(&story, &asked);
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

#[test]
fn a_restored_wallet_gets_its_sd_jwt_vc_reissued_to_the_new_key_and_the_old_one_revoked() {
    let story = restored();
    let old_text = story.wallet.export(&story.pid_id).unwrap();
    let old = sd_jwt::inspect(&old_text).unwrap();
    let (asked, reissued) = reissue_confirmed(&story, &story.pid_id);
    let text = reissued.credential.as_sd_jwt().unwrap();

    // The same claims and disclosable paths, bound to the new key, in the same status list.
    let new = sd_jwt::inspect(text).unwrap();
    // (The disclosures come in a random order.)
    assert_eq!(new.disclosable.len(), old.disclosable.len());
    assert!(
        old.disclosable.iter().all(|p| new.disclosable.contains(p)),
        "{:?}",
        new.disclosable
    );
    for (name, value) in &old.claims {
        if !["iat", "cnf", "status"].contains(&name.as_str()) {
            assert_eq!(new.claims.get(name), Some(value), "{name}");
        }
    }
    let new_key = lommebok::PublicKey::from_jwk(&new.claims["cnf"]["jwk"]).unwrap();
    assert_eq!(new_key, story.wallet.public_key());
    assert_eq!(new.claims["status"]["status_list"]["uri"], TOKEN_LIST);
    let old_list = &old.claims["status"]["status_list"];
    assert_eq!(
        reissued.revoked,
        format!("{TOKEN_LIST}#{}", old_list["idx"].as_u64().unwrap())
    );
    assert_ne!(new.claims["status"]["status_list"]["idx"], old_list["idx"]);

    // The old one is revoked in the republished Status List Token.
    publish_token(&story.municipality, &story.lists);
    let revoked = story
        .verifier
        .verify_sd_jwt_as_issued(&old_text, &issuer_key(&story.municipality))
        .unwrap();
    assert!(
        revoked
            .report
            .failures()
            .any(|c| c.check == CheckKind::Status),
        "{:#?}",
        revoked.report
    );

    // The wallet keeps the new one and presents it with key binding; the verifier accepts.
    let held = story
        .wallet
        .import(
            &reissued.credential.to_text(),
            &story.verifier,
            Some(&issuer_key(&story.municipality)),
        )
        .unwrap();
    let query = crate::wallet_holder::age_query();
    let (presentation, request) = present_to_pharmacy(&story, &query, "pid", &held.id, AUD);
    let after = story
        .verifier
        .verify_sd_jwt(
            &presentation,
            &issuer_key(&story.municipality),
            Some(&request),
        )
        .unwrap();
    assert!(after.is_valid(), "{:#?}", after.report);
    assert_eq!(
        after.verified().unwrap().holder_key(),
        Some(&story.wallet.public_key())
    );

    // The same request again: the old one is revoked now.
    refused_again(&story, &asked);
}

/// A request for `credential`, signed by the restored wallet's new key (the test knows it).
fn request_for(story: &Story, credential: &str) -> String {
    let new_key = support::key(Algorithm::P256, 74);
    assert_eq!(
        Did::from_public_key(&new_key.public_key()).as_str(),
        story.wallet.did().as_str()
    );
    let mut payload = serde_json::Map::new();
    payload.insert("aud".into(), story.municipality.did().as_str().into());
    payload.insert("credential".into(), credential.into());
    payload.insert("previousHolder".into(), story.old_did.clone().into());
    payload.insert("holder".into(), story.wallet.did().as_str().into());
    payload.insert("confirmations".into(), confirmations(story, &[0, 1]).into());
    payload.insert("iat".into(), now().timestamp().into());
    payload.insert("exp".into(), (now() + Duration::days(1)).timestamp().into());
    lommebok::jws::sign(
        &payload,
        reissuance::REQUEST_TYPE,
        Some(&Did::key_verification_method(&new_key.public_key())),
        &serde_json::Map::new(),
        new_key.as_ref(),
    )
    .unwrap()
}

#[test]
fn an_sd_jwt_vc_not_bound_to_the_previous_holder_or_not_the_issuers_is_not_reissued() {
    let story = restored();
    // Someone else's PID from the same municipality: its `cnf` is not the previous holder's.
    let stranger = support::key(Algorithm::Ed25519, 77);
    let theirs = pid(
        &story.municipality,
        stranger.public_key(),
        "urn:uuid:pid-stranger",
    );
    publish_token(&story.municipality, &story.lists);
    let error = story
        .municipality
        .reissue(
            &request_for(&story, &theirs),
            &policy(&story),
            &story.verifier,
        )
        .unwrap_err();
    assert!(
        matches!(&error, ReissuanceError::Credential(why) if why.contains("not bound")),
        "{error}"
    );
    // A PID bound to the old key but signed by another issuer is not the municipality's.
    let forger = lommebok::Issuer::new(support::key(Algorithm::Ed25519, 78));
    let old_key = support::key(Algorithm::P256, 70).public_key();
    let forged = forger
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &SdJwtOptions::new(PID)
                .with_holder_key(old_key)
                .with_issuer(story.municipality.did().as_str()),
            now() - Duration::days(1),
        )
        .unwrap();
    let error = story
        .municipality
        .reissue(
            &request_for(&story, &forged),
            &policy(&story),
            &story.verifier,
        )
        .unwrap_err();
    assert!(matches!(error, ReissuanceError::Credential(_)), "{error}");
    // Nothing was revoked: the stranger's PID and Kari's are still in force.
    publish_token(&story.municipality, &story.lists);
    for text in [theirs, story.wallet.export(&story.pid_id).unwrap()] {
        let outcome = story
            .verifier
            .verify_sd_jwt_as_issued(&text, &issuer_key(&story.municipality))
            .unwrap();
        assert!(outcome.is_valid(), "{:#?}", outcome.report);
    }
}
