//! The persistent wallet (`wallet::HolderWallet`) as an app uses it: open a store, import a
//! Data Integrity residence credential and an SD-JWT PID, refuse what is not the holder's or
//! does not verify, answer DCQL queries with the minimum (checked by a verifier), and keep the
//! activity log.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;
use lommebok::query::DcqlQuery;
use lommebok::sd_jwt::SdJwtOptions;
use lommebok::wallet::store::{
    Argon2Params, CredentialFormat, MemoryStorage, PassphraseKey, StoreError,
};
use lommebok::wallet::{Choice, HolderWallet, HolderWalletError, Released};
use lommebok::{Algorithm, Issuer, Signer as _};
use serde_json::{Value, json};

use crate::sd_jwt::{AUD, issuer_key, pid_claims, pid_disclosable};
use crate::support::{self, now};

const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

const PID: &str = "urn:eudi:pid:1";

/// The claims an SD-JWT VC always shows (not selectively disclosable).
const REGISTERED: [&str; 6] = ["iss", "iat", "nbf", "exp", "vct", "cnf"];

fn passphrase(text: &str) -> PassphraseKey {
    PassphraseKey::new(text).with_params(FAST).unwrap()
}

fn open(storage: &Arc<MemoryStorage>) -> HolderWallet {
    HolderWallet::open(storage.clone(), &passphrase("hemmelig"), None).unwrap()
}

fn issuer() -> Issuer {
    support::issuer()
}

/// A PID from `issuer`, every claim disclosable, bound to `key`.
pub(crate) fn pid(issuer: &Issuer, key: lommebok::PublicKey) -> String {
    issuer
        .issue_sd_jwt_at(
            &pid_claims(),
            &pid_disclosable(),
            &SdJwtOptions::new(PID)
                .with_holder_key(key)
                .valid_until(now() + Duration::days(200)),
            now() - Duration::days(1),
        )
        .unwrap()
}

pub(crate) fn age_query() -> DcqlQuery {
    DcqlQuery::parse(
        &json!({"credentials": [{
            "id": "pid", "format": "dc+sd-jwt",
            "meta": {"vct_values": [PID]},
            "claims": [{"path": ["age_over_18"]}]
        }]})
        .to_string(),
    )
    .unwrap()
}

pub(crate) fn residence_query() -> DcqlQuery {
    DcqlQuery::parse(
        &json!({"credentials": [{
            "id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ResidenceCredential"]]}
        }]})
        .to_string(),
    )
    .unwrap()
}

/// A wallet holding a residence credential and a PID: (wallet, issuer, residence id, PID id).
fn stocked(storage: &Arc<MemoryStorage>) -> (HolderWallet, Issuer, String, String) {
    let wallet = open(storage);
    let issuer = issuer();
    let verifier = support::verifier();
    let residence = support::residence(&issuer, wallet.did().as_str()).to_json_string();
    let residence = wallet.import(&residence, &verifier, None).unwrap();
    let pid = pid(&issuer, wallet.public_key());
    let pid = wallet
        .import(&pid, &verifier, Some(&issuer_key(&issuer)))
        .unwrap();
    (wallet, issuer, residence.id, pid.id)
}

#[test]
fn wallet_holder_software_key_is_made_once_and_reloaded() {
    let storage = Arc::new(MemoryStorage::new());
    let first = open(&storage);
    assert!(first.has_software_key());
    let did = first.did().clone();
    drop(first);
    let again = open(&storage);
    assert_eq!(again.did(), &did);
    assert!(matches!(
        HolderWallet::open(storage.clone(), &passphrase("feil"), None),
        Err(HolderWalletError::Store(StoreError::WrongKey))
    ));
    // A platform key is not accepted for a store made with a software key.
    let platform = support::key(Algorithm::Ed25519, 2);
    assert!(matches!(
        HolderWallet::open(storage, &passphrase("hemmelig"), Some(platform)),
        Err(HolderWalletError::HolderKeyMismatch { .. })
    ));
}

#[test]
fn wallet_holder_platform_key_is_recorded_not_stored() {
    let storage = Arc::new(MemoryStorage::new());
    let platform = support::key(Algorithm::P256, 2);
    let wallet = HolderWallet::open(
        storage.clone(),
        &passphrase("hemmelig"),
        Some(platform.clone()),
    )
    .unwrap();
    assert!(!wallet.has_software_key());
    assert_eq!(wallet.public_key(), platform.public_key());
    assert!(wallet.store().holder_keys().unwrap().records.is_empty());
    let did = wallet.did().clone();
    drop(wallet);
    assert!(matches!(
        HolderWallet::open(storage.clone(), &passphrase("hemmelig"), None),
        Err(HolderWalletError::PlatformKeyNeeded { did: d }) if d == did.as_str()
    ));
    let other = support::key(Algorithm::P256, 3);
    assert!(matches!(
        HolderWallet::open(storage.clone(), &passphrase("hemmelig"), Some(other)),
        Err(HolderWalletError::HolderKeyMismatch { .. })
    ));
    let again = HolderWallet::open(storage, &passphrase("hemmelig"), Some(platform)).unwrap();
    assert_eq!(again.did(), &did);
}

#[test]
fn wallet_holder_imports_lists_exports_and_deletes() {
    let storage = Arc::new(MemoryStorage::new());
    let (wallet, issuer, residence, pid) = stocked(&storage);
    let listing = wallet.list().unwrap();
    assert!(listing.damaged.is_empty());
    assert_eq!(listing.records.len(), 2);
    let di = listing.records.iter().find(|c| c.id == residence).unwrap();
    assert_eq!(di.format, CredentialFormat::DataIntegrity);
    assert!(di.types.contains(&"ResidenceCredential".to_owned()));
    assert_eq!(di.issuer.as_deref(), Some(issuer.did().as_str()));
    assert!(di.valid_from.is_some() && di.valid_until.is_some());
    let sd = listing.records.iter().find(|c| c.id == pid).unwrap();
    assert_eq!(sd.format, CredentialFormat::SdJwt);
    assert_eq!(sd.types, vec![PID.to_owned()]);
    assert_eq!(sd.issuer.as_deref(), Some(issuer.did().as_str()));
    assert_eq!(sd.valid_until, Some(now() + Duration::days(200)));

    // Export gives back the text as imported; it imports again, elsewhere.
    let exported = wallet.export(&pid).unwrap();
    assert!(exported.ends_with('~'));
    let exported_residence = wallet.export(&residence).unwrap();
    let credential = lommebok::Credential::from_json_str(&exported_residence).unwrap();
    assert_eq!(credential.subject_ids(), vec![Some(wallet.did().as_str())]);
    // Importing what is already held keeps one copy: the same id comes back.
    let verifier = support::verifier();
    let again = wallet
        .import(&exported, &verifier, Some(&issuer_key(&issuer)))
        .unwrap();
    assert_eq!(again.id, pid);
    let again = wallet.import(&exported_residence, &verifier, None).unwrap();
    assert_eq!(again.id, residence);
    assert_eq!(wallet.list().unwrap().records.len(), 2);

    assert!(wallet.delete(&pid).unwrap());
    assert!(!wallet.delete(&pid).unwrap());
    assert!(matches!(
        wallet.export(&pid),
        Err(HolderWalletError::UnknownCredential(_))
    ));
    assert_eq!(wallet.list().unwrap().records.len(), 1);
    // Reopened, the wallet still holds the residence credential.
    drop(wallet);
    let again = open(&storage);
    let ids: Vec<String> = again
        .list()
        .unwrap()
        .records
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![residence]);
}

#[test]
fn wallet_holder_refuses_what_is_not_its_own_or_does_not_verify() {
    let storage = Arc::new(MemoryStorage::new());
    let wallet = open(&storage);
    let issuer = issuer();
    let verifier = support::verifier();

    // About someone else.
    let theirs = support::residence(&issuer, "did:example:someone-else").to_json_string();
    assert!(matches!(
        wallet.import(&theirs, &verifier, None),
        Err(HolderWalletError::NotBound { .. })
    ));
    // Bound to another key.
    let other = support::key(Algorithm::Ed25519, 9);
    let their_pid = pid(&issuer, other.public_key());
    assert!(matches!(
        wallet.import(&their_pid, &verifier, Some(&issuer_key(&issuer))),
        Err(HolderWalletError::NotBound { .. })
    ));
    // Tampered: a claim changed after signing.
    let ours = support::residence(&issuer, wallet.did().as_str()).to_json_string();
    let tampered = ours.replace("Tromsø", "Oslo");
    assert_ne!(tampered, ours);
    assert!(matches!(
        wallet.import(&tampered, &verifier, None),
        Err(HolderWalletError::NotVerified { .. })
    ));
    // Tampered SD-JWT: a disclosure dropped in favour of a forged one.
    let our_pid = pid(&issuer, wallet.public_key());
    let mut parts: Vec<&str> = our_pid.split('~').collect();
    let forged = lommebok::sd_jwt::Disclosure::parse(parts[1]).unwrap();
    let forged_text = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            json!([forged.salt(), forged.name(), "forged"])
                .to_string()
                .as_bytes(),
        )
    };
    parts[1] = &forged_text;
    let tampered_pid = parts.join("~");
    assert!(matches!(
        wallet.import(&tampered_pid, &verifier, Some(&issuer_key(&issuer))),
        Err(HolderWalletError::NotVerified { .. })
    ));
    // Signed by someone other than the issuer named.
    let impostor = Issuer::new(support::key(Algorithm::Ed25519, 7));
    let forged_pid = pid(&impostor, wallet.public_key());
    assert!(matches!(
        wallet.import(&forged_pid, &verifier, Some(&issuer_key(&issuer))),
        Err(HolderWalletError::NotVerified { .. })
    ));
    // An SD-JWT without its issuer's key cannot be checked.
    assert!(matches!(
        wallet.import(&our_pid, &verifier, None),
        Err(HolderWalletError::IssuerKeyNeeded)
    ));
    // A presentation is not a credential as issued.
    let presented = lommebok::Wallet::new(support::key(Algorithm::Ed25519, 2))
        .present_sd_jwt_at(
            &pid(&issuer, support::key(Algorithm::Ed25519, 2).public_key()),
            &[],
            "nonce",
            AUD,
            now(),
        )
        .unwrap();
    assert!(matches!(
        wallet.import(&presented, &verifier, Some(&issuer_key(&issuer))),
        Err(HolderWalletError::NotVerified { report }) if report.failed(lommebok::CheckKind::KeyBinding)
    ));
    // Not a credential at all.
    assert!(wallet.import("{\"hello\": 1}", &verifier, None).is_err());
    assert!(
        wallet
            .import("", &verifier, Some(&issuer_key(&issuer)))
            .is_err()
    );

    assert!(wallet.list().unwrap().records.is_empty());
    // What is its own and sound is accepted.
    wallet
        .import(&our_pid, &verifier, Some(&issuer_key(&issuer)))
        .unwrap();
    wallet.import(&ours, &verifier, None).unwrap();
    assert_eq!(wallet.list().unwrap().records.len(), 2);
}

#[test]
fn wallet_holder_answers_age_over_18_with_exactly_that_claim() {
    let storage = Arc::new(MemoryStorage::new());
    let (wallet, issuer, _residence, pid) = stocked(&storage);
    let query = age_query();
    let answers = wallet.answers(&query).unwrap();
    assert!(answers.satisfiable);
    let candidates = &answers.credential("pid").unwrap().candidates;
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].held_id, pid);
    let chosen = Choice::defaults(&answers);
    assert_eq!(chosen, vec![Choice::new("pid", &pid, None)]);

    let verifier = support::verifier();
    let request = verifier.request(Some(AUD));
    let presentations = wallet
        .present_at(&query, &chosen, &request, "Apotek Nord", now())
        .unwrap();
    assert_eq!(presentations.presentations.len(), 1);
    let presented = &presentations.presentations[0];
    assert_eq!(presented.format, CredentialFormat::SdJwt);
    // One disclosure and a KB-JWT.
    assert_eq!(presented.presentation.split('~').count(), 3);

    let verified = verifier
        .verify_sd_jwt(
            &presented.presentation,
            &issuer_key(&issuer),
            Some(&request),
        )
        .unwrap()
        .into_verified()
        .unwrap();
    let seen: BTreeSet<&str> = verified.claims().keys().map(String::as_str).collect();
    let user_claims: BTreeSet<&str> = seen
        .iter()
        .copied()
        .filter(|c| !REGISTERED.contains(c))
        .collect();
    // `nationalities` is an array whose elements are disclosable: the verifier sees it empty.
    assert_eq!(
        user_claims,
        BTreeSet::from(["age_over_18", "nationalities"])
    );
    assert_eq!(verified.claims()["nationalities"], json!([]));
    assert_eq!(verified.claims()["age_over_18"], json!(true));
    assert_eq!(verified.holder_key(), Some(&wallet.public_key()));

    // The vp_token carries it under the query id.
    assert_eq!(
        presentations.vp_token(),
        json!({"pid": [presented.presentation.clone()]})
    );

    // The log says what left.
    let log = wallet.activity().unwrap();
    assert!(log.damaged.is_empty());
    assert_eq!(log.records.len(), 1);
    let entry = &log.records[0];
    assert_eq!(entry.id, presented.activity_id);
    assert_eq!(entry.verifier, "Apotek Nord");
    assert_eq!(entry.domain.as_deref(), Some(AUD));
    assert_eq!(entry.credential_id, pid);
    assert_eq!(entry.at, now());
    match &entry.released {
        Released::Disclosed {
            claims,
            always_visible,
        } => {
            assert_eq!(claims, &vec!["age_over_18".to_owned()]);
            let visible: BTreeSet<&str> = always_visible.iter().map(String::as_str).collect();
            let mut seen_without_request = seen.clone();
            seen_without_request.remove("age_over_18");
            assert_eq!(visible, seen_without_request);
        }
        other => panic!("expected disclosed claims, got {other:?}"),
    }
}

#[test]
fn wallet_holder_answers_residence_query_with_a_vp_and_logs_both() {
    let storage = Arc::new(MemoryStorage::new());
    let (wallet, issuer, residence, pid) = stocked(&storage);

    let verifier = support::verifier();
    let query = age_query();
    let request = verifier.request(Some(AUD));
    let chosen = Choice::defaults(&wallet.answers(&query).unwrap());
    let age = wallet
        .present_at(&query, &chosen, &request, "Apotek Nord", now())
        .unwrap();
    assert!(
        verifier
            .verify_sd_jwt(
                &age.presentations[0].presentation,
                &issuer_key(&issuer),
                Some(&request)
            )
            .unwrap()
            .is_valid()
    );

    let query = residence_query();
    let answers = wallet.answers(&query).unwrap();
    let chosen = Choice::defaults(&answers);
    assert_eq!(chosen, vec![Choice::new("residence", &residence, None)]);
    let request = verifier.request(Some("kommune.example"));
    let presentations = wallet
        .present_at(&query, &chosen, &request, "Tromsø kommune", now())
        .unwrap();
    let vp = &presentations.presentations[0];
    assert_eq!(vp.format, CredentialFormat::DataIntegrity);
    let verified = verifier
        .verify_presentation(&vp.presentation, &request)
        .unwrap();
    assert!(verified.is_valid(), "{:?}", verified.report);
    let verified = verified.into_verified().unwrap();
    assert_eq!(verified.holder(), wallet.did().as_str());
    assert_eq!(verified.credentials().len(), 1);
    assert!(presentations.vp_token()["residence"][0].is_object());

    let log = wallet.activity().unwrap().records;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].credential_id, pid);
    assert_eq!(log[0].verifier, "Apotek Nord");
    assert_eq!(log[1].credential_id, residence);
    assert_eq!(log[1].verifier, "Tromsø kommune");
    assert_eq!(log[1].domain.as_deref(), Some("kommune.example"));
    assert_eq!(log[1].query_id, "residence");
    assert!(
        log[1]
            .credential_types
            .contains(&"ResidenceCredential".to_owned())
    );
    match &log[1].released {
        Released::WholeCredential { claims } => assert!(
            claims.contains(&"credentialSubject.municipality".to_owned()),
            "{claims:?}"
        ),
        other => panic!("expected the whole credential, got {other:?}"),
    }

    // Exported as JSON, and the log survives a restart.
    let exported: Value = serde_json::from_str(&wallet.activity_json().unwrap()).unwrap();
    let exported = exported.as_array().unwrap();
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0]["verifier"], json!("Apotek Nord"));
    assert_eq!(
        exported[0]["released"],
        json!({"kind": "disclosed", "claims": ["age_over_18"],
               "alwaysVisible": exported[0]["released"]["alwaysVisible"].clone()})
    );
    assert_eq!(exported[1]["released"]["kind"], json!("wholeCredential"));
    assert_eq!(exported[1]["domain"], json!("kommune.example"));
    assert_eq!(exported[1]["at"], json!("2026-06-01T12:00:00Z"));
    drop(wallet);
    assert_eq!(open(&storage).activity().unwrap().records, log);
}

#[test]
fn wallet_holder_refuses_choices_that_do_not_answer() {
    let storage = Arc::new(MemoryStorage::new());
    let (wallet, _issuer, residence, pid) = stocked(&storage);
    let verifier = support::verifier();
    let query = age_query();
    let request = verifier.request(Some(AUD));
    let refused = |chosen: &[Choice], request: &lommebok::PresentationRequest| {
        matches!(
            wallet.present_at(&query, chosen, request, "Apotek Nord", now()),
            Err(HolderWalletError::NotAnAnswer(_))
        )
    };
    // Nothing chosen, the wrong credential, an unknown query, a claim set that is not there,
    // the same query answered twice.
    assert!(refused(&[], &request));
    assert!(refused(&[Choice::new("pid", &residence, None)], &request));
    assert!(refused(&[Choice::new("other", &pid, None)], &request));
    assert!(refused(&[Choice::new("pid", &pid, Some(0))], &request));
    assert!(refused(
        &[
            Choice::new("pid", &pid, None),
            Choice::new("pid", &pid, None)
        ],
        &request
    ));
    // A KB-JWT needs an audience.
    let no_domain = verifier.request(None);
    assert!(refused(&[Choice::new("pid", &pid, None)], &no_domain));
    // A query the wallet cannot answer, and a query not fully answered.
    let both = DcqlQuery::parse(
        &json!({"credentials": [
            {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
             "claims": [{"path": ["age_over_18"]}]},
            {"id": "residence", "format": "ldp_vc",
             "meta": {"type_values": [["ResidenceCredential"]]}}
        ]})
        .to_string(),
    )
    .unwrap();
    assert!(matches!(
        wallet.present_at(
            &both,
            &[Choice::new("pid", &pid, None)],
            &request,
            "x",
            now()
        ),
        Err(HolderWalletError::NotAnAnswer(_))
    ));
    // Nothing was logged.
    assert!(wallet.activity().unwrap().records.is_empty());
    // Both answered: two presentations, two entries.
    let made = wallet
        .present_at(
            &both,
            &[
                Choice::new("pid", &pid, None),
                Choice::new("residence", &residence, None),
            ],
            &request,
            "Apotek Nord",
            now(),
        )
        .unwrap();
    assert_eq!(made.presentations.len(), 2);
    assert_eq!(wallet.activity().unwrap().records.len(), 2);
}

#[test]
fn wallet_holder_response_with_two_presentations_verifies_on_its_one_nonce() {
    let storage = Arc::new(MemoryStorage::new());
    let (wallet, issuer, residence, pid) = stocked(&storage);
    let query = DcqlQuery::parse(
        &json!({"credentials": [
            {"id": "residence", "format": "ldp_vc",
             "meta": {"type_values": [["ResidenceCredential"]]}},
            {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]},
             "claims": [{"path": ["age_over_18"]}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let verifier = support::verifier();
    let request = verifier.request(Some(AUD));
    let chosen = [
        Choice::new("residence", &residence, None),
        Choice::new("pid", &pid, None),
    ];
    let made = wallet
        .present_at(&query, &chosen, &request, "Apotek Nord", now())
        .unwrap();
    let key = issuer_key(&issuer);
    let parts = [
        lommebok::ResponsePart::DataIntegrity(&made.presentations[0].presentation),
        lommebok::ResponsePart::SdJwt {
            presentation: &made.presentations[1].presentation,
            issuer: &key,
        },
    ];
    let checked = verifier.verify_response(&request, &parts).unwrap();
    assert_eq!(checked.len(), 2);
    for part in &checked {
        assert!(part.is_valid(), "{:#?}", part.report());
    }
    // The nonce was used up by the response: the same response again is a replay.
    let again = verifier.verify_response(&request, &parts).unwrap();
    for part in &again {
        assert!(part.report().failed(lommebok::CheckKind::Challenge));
    }
    // One at a time, the second presentation of a response fails: the first used the nonce.
    let request = verifier.request(Some(AUD));
    let made = wallet
        .present_at(&query, &chosen, &request, "Apotek Nord", now())
        .unwrap();
    let first = verifier
        .verify_presentation(&made.presentations[0].presentation, &request)
        .unwrap();
    assert!(first.is_valid());
    let second = verifier
        .verify_sd_jwt(&made.presentations[1].presentation, &key, Some(&request))
        .unwrap();
    assert!(second.report.failed(lommebok::CheckKind::Challenge));
}

#[test]
fn wallet_holder_lists_each_credentials_current_status() {
    use lommebok::wallet::HeldStatus;

    let (issuer, cache, verifier) = crate::status::setup();
    let storage = Arc::new(MemoryStorage::new());
    let wallet = open(&storage);
    let revoked = support::residence(&issuer, wallet.did().as_str());
    let suspended = support::residence(&issuer, wallet.did().as_str());
    let in_force = support::residence(&issuer, wallet.did().as_str());
    crate::status::publish(&issuer, &cache);
    let mut ids = Vec::new();
    for credential in [&revoked, &suspended, &in_force] {
        ids.push(
            wallet
                .import(&credential.to_json_string(), &verifier, None)
                .unwrap()
                .id,
        );
    }
    // An SD-JWT with a Token Status List entry, and one without any status.
    let tokens_list = "https://kommune.example/token-status/revocation/1";
    let registry = lommebok::status::StatusRegistry::in_memory();
    registry
        .create_list(tokens_list, lommebok::status::StatusPurpose::Revocation)
        .unwrap();
    let sd_issuer = Issuer::new(support::key(Algorithm::Ed25519, 1)).with_status(registry, &[]);
    let with_status = sd_issuer
        .issue_sd_jwt_at(
            &crate::sd_jwt::pid_claims(),
            &crate::sd_jwt::pid_disclosable(),
            &SdJwtOptions::new(PID)
                .with_holder_key(wallet.public_key())
                .valid_until(now() + Duration::days(30))
                .with_status(tokens_list, "urn:uuid:0b5e1d2c-0000-4000-8000-0000000000f1"),
            now() - Duration::days(1),
        )
        .unwrap();
    let token = sd_issuer
        .status_list_token_at(
            tokens_list,
            now() - Duration::minutes(1),
            now() + Duration::hours(1),
        )
        .unwrap();
    cache.insert(tokens_list, &token);
    let sd_with_status = wallet
        .import(&with_status, &verifier, Some(&issuer_key(&sd_issuer)))
        .unwrap()
        .id;
    let sd_without = wallet
        .import(
            &pid(&issuer, wallet.public_key()),
            &verifier,
            Some(&issuer_key(&issuer)),
        )
        .unwrap()
        .id;

    issuer.revoke(revoked.id().unwrap()).unwrap();
    issuer.suspend(suspended.id().unwrap()).unwrap();
    crate::status::publish(&issuer, &cache);
    sd_issuer
        .revoke("urn:uuid:0b5e1d2c-0000-4000-8000-0000000000f1")
        .unwrap();
    let token = sd_issuer
        .status_list_token_at(
            tokens_list,
            now() - Duration::minutes(1),
            now() + Duration::hours(1),
        )
        .unwrap();
    cache.insert(tokens_list, &token);

    let listing = wallet.list_with_status(&verifier).unwrap();
    let status_of = |id: &str| {
        listing
            .records
            .iter()
            .find(|(summary, _)| summary.id == id)
            .map(|(_, status)| status.clone())
            .unwrap()
    };
    assert_eq!(status_of(&ids[0]), HeldStatus::Revoked);
    assert_eq!(status_of(&ids[1]), HeldStatus::Suspended);
    assert_eq!(status_of(&ids[2]), HeldStatus::Valid);
    assert_eq!(status_of(&sd_with_status), HeldStatus::Revoked);
    assert_eq!(status_of(&sd_without), HeldStatus::NoStatus);

    // Without the status lists at hand, the status is not known (and never "valid").
    let offline = wallet.list_with_status(&support::verifier()).unwrap();
    for (summary, status) in &offline.records {
        if summary.id == sd_without {
            assert_eq!(status, &HeldStatus::NoStatus);
        } else {
            assert!(
                matches!(status, HeldStatus::Unknown(_)),
                "{}: {status:?}",
                summary.id
            );
        }
    }
}
