//! Recovery with trusted people (`wallet::recovery`) as the apps use it: the owner protects a
//! wallet holding a residence credential and an SD-JWT PID with three guardians (2 of 3); the
//! phone is lost; a new device asks two guardians, who compare the short code and release
//! their shares; the wallet comes back whole under a new store key, presents to a verifier,
//! and the split is rotated so the old shares are useless.

use std::sync::Arc;

use lommebok::wallet::recovery::{self, DeviceRecovery, Guardian, GuardianWallet, RecoveryError};
use lommebok::wallet::store::{MemoryStorage, RawKey, WalletStore};
use lommebok::wallet::{Choice, HolderWallet};
use lommebok::{Algorithm, SoftwareKey};
use serde_json::json;

use crate::sd_jwt::{AUD, issuer_key};
use crate::support::{self, now};
use crate::wallet_holder::{age_query, pid, residence_query};

fn empty_store(byte: u8) -> (Arc<MemoryStorage>, RawKey) {
    (Arc::new(MemoryStorage::new()), RawKey::new([byte; 32]))
}

#[test]
fn recovery_restores_the_whole_wallet_which_presents_and_rotates() {
    // The owner's wallet: a residence credential, a PID, a log entry.
    let (storage, key) = empty_store(1);
    let wallet = HolderWallet::open(storage, &key, None).unwrap();
    let issuer = support::issuer();
    let verifier = support::verifier();
    let residence = support::residence(&issuer, wallet.did().as_str()).to_json_string();
    wallet.import(&residence, &verifier, None).unwrap();
    let pid = pid(&issuer, wallet.public_key());
    wallet
        .import(&pid, &verifier, Some(&issuer_key(&issuer)))
        .unwrap();
    wallet
        .store()
        .append_activity(&json!({"verifier": "Apotek Nord"}))
        .unwrap();

    // Three guardians, each with their own wallet store and key.
    let guardian_stores: Vec<WalletStore> = (10..13)
        .map(|byte| {
            let (storage, key) = empty_store(byte);
            WalletStore::open(storage, &key).unwrap()
        })
        .collect();
    let guardians: Vec<GuardianWallet<'_>> = guardian_stores
        .iter()
        .map(|store| GuardianWallet::open(store).unwrap())
        .collect();
    let list: Vec<Guardian> = ["Kari", "Ola", "Nils"]
        .iter()
        .zip(&guardians)
        .map(|(name, guardian)| Guardian::new(*name, guardian.public_key().clone()))
        .collect();
    let protection = recovery::protect(&wallet, 2, &list).unwrap();
    assert_eq!((protection.epoch, protection.threshold), (1, 2));
    for (guardian, share) in guardians.iter().zip(&protection.shares) {
        let kept = guardian.keep(&share.sealed).unwrap();
        assert_eq!(kept.wallet, wallet.did().as_str());
    }
    let before = wallet.store().records().unwrap();
    let did = wallet.did().clone();
    drop(wallet);

    // The phone is lost. A new device, with its own key, asks Kari and Nils.
    let device_key = SoftwareKey::generate(Algorithm::P256);
    let mut device = DeviceRecovery::new(&protection.backup, &device_key).unwrap();
    assert_eq!(device.backup().wallet(), &did);
    for (name, guardian) in [("Kari", &guardians[0]), ("Nils", &guardians[2])] {
        let pending = guardian.check_request(device.request()).unwrap();
        // The two screens show the same code; the guardian types what the owner reads out.
        assert_eq!(pending.short_code(), device.short_code());
        assert!(matches!(
            guardian.release(&pending, "000000x"),
            Err(RecoveryError::WrongCode)
        ));
        let release = guardian.release(&pending, device.short_code()).unwrap();
        device.add_release(name, &release).unwrap();
    }
    let (storage, new_key) = empty_store(2);
    let restored = device.restore(storage.clone(), &new_key).unwrap();
    assert_eq!(restored.wallet.did(), &did);

    // Record by record, the same wallet (the recovery setting is the rotation's, epoch 2).
    let after = restored.wallet.store().records().unwrap();
    let without_roster = |records: &[lommebok::wallet::store::Record]| {
        records
            .iter()
            .filter(|r| !(r.kind == "setting" && r.id == "recovery"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(without_roster(&after), without_roster(&before));
    assert_eq!(after.len(), before.len());
    assert!(before.iter().any(|r| r.kind == "holder-key"));
    assert!(before.iter().filter(|r| r.kind == "credential").count() == 2);
    assert!(before.iter().any(|r| r.kind == "activity"));
    drop(restored.wallet);

    // It opens with its new store key (not the old one) and presents what a verifier accepts.
    assert!(HolderWallet::open(storage.clone(), &RawKey::new([1; 32]), None).is_err());
    let wallet = HolderWallet::open(storage, &new_key, None).unwrap();
    let query = residence_query();
    let request = verifier.request(Some("kommune.example"));
    let chosen = Choice::defaults(&wallet.answers(&query).unwrap());
    let vp = wallet
        .present_at(&query, &chosen, &request, "Tromsø kommune", now())
        .unwrap();
    let verified = verifier
        .verify_presentation(&vp.presentations[0].presentation, &request)
        .unwrap();
    assert!(verified.is_valid(), "{:?}", verified.report);
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

    // The rotation: epoch 2 for the same guardians. Once they keep the new shares, the old
    // backup's requests are refused, and the new backup recovers with the new shares only.
    let rotated = &restored.protection;
    assert_eq!((rotated.epoch, rotated.threshold), (2, 2));
    assert_eq!(rotated.shares.len(), 3);
    for (guardian, share) in guardians.iter().zip(&rotated.shares) {
        guardian.keep(&share.sealed).unwrap();
    }
    let old = DeviceRecovery::new(&protection.backup, &device_key).unwrap();
    assert!(matches!(
        guardians[1].check_request(old.request()),
        Err(RecoveryError::OutdatedBackup {
            backup: 1,
            share: 2
        })
    ));
    assert!(matches!(
        guardians[1].keep(&protection.shares[1].sealed),
        Err(RecoveryError::StaleEpoch {
            share: 1,
            current: 2
        })
    ));
    let mut again = DeviceRecovery::new(&rotated.backup, &device_key).unwrap();
    for (name, guardian) in [("Ola", &guardians[1]), ("Nils", &guardians[2])] {
        let pending = guardian.check_request(again.request()).unwrap();
        let release = guardian.release(&pending, again.short_code()).unwrap();
        again.add_release(name, &release).unwrap();
    }
    let (storage, key) = empty_store(3);
    let third = again.restore(storage, &key).unwrap();
    assert_eq!(third.wallet.did(), &did);
    assert_eq!(third.protection.epoch, 3);
}

#[test]
fn the_same_guardian_key_twice_is_refused() {
    let (storage, key) = empty_store(1);
    let wallet = HolderWallet::open(storage, &key, None).unwrap();
    let (guardian_storage, guardian_key) = empty_store(10);
    let store = WalletStore::open(guardian_storage, &guardian_key).unwrap();
    let guardian = GuardianWallet::open(&store).unwrap();
    let other_store = {
        let (s, k) = empty_store(11);
        WalletStore::open(s, &k).unwrap()
    };
    let other = GuardianWallet::open(&other_store).unwrap();
    let twice = [
        Guardian::new("Ola", guardian.public_key().clone()),
        Guardian::new("Ola again", guardian.public_key().clone()),
        Guardian::new("Per", other.public_key().clone()),
    ];
    assert!(matches!(
        recovery::protect(&wallet, 2, &twice),
        Err(RecoveryError::InvalidGuardian { .. })
    ));
    let unnamed = [
        Guardian::new(" ", guardian.public_key().clone()),
        Guardian::new("Per", other.public_key().clone()),
    ];
    assert!(matches!(
        recovery::protect(&wallet, 2, &unnamed),
        Err(RecoveryError::InvalidGuardian { .. })
    ));
}
