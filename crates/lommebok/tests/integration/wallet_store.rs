//! The wallet's encrypted store over in-memory storage: wrong keys, tampered, moved, swapped
//! and replayed records, Argon2 parameters, typed records.

use std::sync::Arc;

use lommebok::wallet::store::{
    ACTIVITY, Argon2Params, CREDENTIAL, CredentialFormat, HOLDER_KEY, META, MemoryStorage,
    PassphraseKey, RawKey, Storage, StoreError, WalletStore,
};
use lommebok::{Algorithm, Signer as _, SoftwareKey};
use serde_json::json;

/// Low Argon2 costs, so that tests are fast. The defaults are tested to be the strong ones.
const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

const SD_JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJwaWQifQ.c2ln~WyJzYWx0IiwibmFtZSIsIkthcmkiXQ~";

fn key(passphrase: &str) -> PassphraseKey {
    PassphraseKey::new(passphrase).with_params(FAST).unwrap()
}

fn di_credential(n: u32) -> String {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:kommune",
        "credentialSubject": {"id": "did:example:holder", "n": n},
    })
    .to_string()
}

fn snapshot(storage: &MemoryStorage) -> Vec<(String, String, Vec<u8>)> {
    let mut all = Vec::new();
    for kind in [META, CREDENTIAL, HOLDER_KEY, ACTIVITY] {
        for (id, record) in storage.list(kind).unwrap() {
            all.push((kind.to_owned(), id, record));
        }
    }
    all
}

#[test]
fn wallet_store_round_trips_every_record_type() {
    let storage = Arc::new(MemoryStorage::new());
    let store = WalletStore::open(storage.clone(), &key("hemmelig")).unwrap();
    let di = store
        .add_credential(CredentialFormat::DataIntegrity, &di_credential(1))
        .unwrap();
    let sd = store
        .add_credential(CredentialFormat::SdJwt, SD_JWT)
        .unwrap();
    let holder = SoftwareKey::generate(Algorithm::Ed25519);
    store.put_holder_key("holder-1", &holder).unwrap();
    let first = store
        .append_activity(&json!({"event": "stored", "id": di}))
        .unwrap();
    let second = store
        .append_activity(&json!({"event": "stored", "id": sd}))
        .unwrap();
    drop(store);

    // Nothing readable in the storage.
    for (_, _, record) in snapshot(&storage) {
        let text = String::from_utf8_lossy(&record);
        assert!(!text.contains("kommune") && !text.contains("eyJhbGci"));
    }

    let store = WalletStore::open(storage, &key("hemmelig")).unwrap();
    let credential = store.credential(&sd).unwrap().unwrap();
    assert_eq!(
        (credential.format, credential.data.as_str()),
        (CredentialFormat::SdJwt, SD_JWT)
    );
    let listing = store.credentials().unwrap();
    assert!(listing.damaged.is_empty());
    assert_eq!(listing.records.len(), 2);
    let back = store.holder_key("holder-1").unwrap().unwrap();
    assert_eq!(back.public_key(), holder.public_key());
    assert_eq!(store.holder_keys().unwrap().records.len(), 1);
    let activity = store.activity().unwrap();
    let ids: Vec<&str> = activity.records.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_eq!(activity.records[1].entry["id"], json!(sd));

    // `put` replaces; delete removes.
    store
        .put_credential(&di, CredentialFormat::DataIntegrity, &di_credential(2))
        .unwrap();
    assert!(
        store
            .credential(&di)
            .unwrap()
            .unwrap()
            .data
            .contains("\"n\":2")
    );
    assert!(store.delete_credential(&sd).unwrap());
    assert!(!store.delete_credential(&sd).unwrap());
    assert_eq!(store.credential(&sd).unwrap(), None);
    assert!(store.delete_holder_key("holder-1").unwrap());
}

#[test]
fn wallet_store_wrong_passphrase_is_wrong_key_and_touches_nothing() {
    let storage = Arc::new(MemoryStorage::new());
    let store = WalletStore::open(storage.clone(), &key("riktig")).unwrap();
    store
        .add_credential(CredentialFormat::SdJwt, SD_JWT)
        .unwrap();
    drop(store);
    let before = snapshot(&storage);
    let error = WalletStore::open(storage.clone(), &key("feil")).unwrap_err();
    assert_eq!(error, StoreError::WrongKey);
    // Another kind of key altogether, and the right passphrase with other default costs.
    let error = WalletStore::open(storage.clone(), &RawKey::new([7; 32])).unwrap_err();
    assert_eq!(error, StoreError::WrongKey);
    assert_eq!(snapshot(&storage), before);
    let reopened = WalletStore::open(storage.clone(), &PassphraseKey::new("riktig"));
    // The recorded (fast) costs are used, not the new key's defaults.
    assert!(reopened.is_ok());
    assert_eq!(snapshot(&storage), before);
}

#[test]
fn wallet_store_argon2_params_round_trip() {
    let storage = Arc::new(MemoryStorage::new());
    assert_eq!(
        PassphraseKey::recorded_params(storage.as_ref()).unwrap(),
        None
    );
    let params = Argon2Params {
        memory_kib: 128,
        iterations: 3,
        parallelism: 2,
    };
    let key = PassphraseKey::new("pass").with_params(params).unwrap();
    WalletStore::open(storage.clone(), &key).unwrap();
    assert_eq!(
        PassphraseKey::recorded_params(storage.as_ref()).unwrap(),
        Some(params)
    );
    // The defaults are the strong ones (OWASP / RFC 9106 for constrained devices).
    assert_eq!(
        Argon2Params::default(),
        Argon2Params {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1
        }
    );
    // Costs Argon2 refuses, or beyond the limits, are errors, not allocations.
    for bad in [
        Argon2Params {
            memory_kib: 1,
            iterations: 1,
            parallelism: 1,
        },
        Argon2Params {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1,
        },
        Argon2Params {
            memory_kib: 64,
            iterations: 0,
            parallelism: 1,
        },
    ] {
        assert!(matches!(
            PassphraseKey::new("x").with_params(bad),
            Err(StoreError::Key(_))
        ));
    }
}

#[test]
fn wallet_store_garbage_key_params_are_an_error() {
    for garbage in [
        &b""[..],
        b"{",
        b"\xff\xfe",
        br#"{"kdf":"scrypt","version":19,"m_cost":64,"t_cost":1,"p_cost":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA"}"#,
        br#"{"kdf":"argon2id","version":19,"m_cost":4294967295,"t_cost":1,"p_cost":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA"}"#,
        br#"{"kdf":"argon2id","version":19,"m_cost":64,"t_cost":1,"p_cost":1,"salt":"AA"}"#,
    ] {
        let storage = Arc::new(MemoryStorage::new());
        WalletStore::open(storage.clone(), &key("pass")).unwrap();
        storage.put(META, "key-params", garbage).unwrap();
        let error = WalletStore::open(storage, &key("pass")).unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt(_) | StoreError::Key(_)),
            "{error:?}"
        );
    }
}

#[test]
fn wallet_store_tampered_record_is_reported_and_others_stay_readable() {
    let storage = Arc::new(MemoryStorage::new());
    let store = WalletStore::open(storage.clone(), &key("pass")).unwrap();
    let ids: Vec<String> = (0..3)
        .map(|n| {
            store
                .add_credential(CredentialFormat::DataIntegrity, &di_credential(n))
                .unwrap()
        })
        .collect();
    let mut record = storage.get(CREDENTIAL, &ids[1]).unwrap().unwrap();
    let middle = record.len() / 2;
    record[middle] ^= 0x01;
    storage.put(CREDENTIAL, &ids[1], &record).unwrap();

    assert_eq!(
        store.credential(&ids[1]).unwrap_err(),
        StoreError::Tampered { id: ids[1].clone() }
    );
    assert!(store.credential(&ids[0]).unwrap().is_some());
    let listing = store.credentials().unwrap();
    assert_eq!(listing.records.len(), 2);
    assert_eq!(
        listing.damaged,
        [StoreError::Tampered { id: ids[1].clone() }]
    );
    // Truncated and empty records too.
    for bad in [&record[..10], &[][..], &record[..record.len() - 1]] {
        storage.put(CREDENTIAL, &ids[2], bad).unwrap();
        assert_eq!(
            store.credential(&ids[2]).unwrap_err(),
            StoreError::Tampered { id: ids[2].clone() }
        );
    }
    // The store still opens: the key check is intact.
    WalletStore::open(storage, &key("pass")).unwrap();
}

#[test]
fn wallet_store_swapped_moved_and_replayed_records_fail_to_open() {
    let storage = Arc::new(MemoryStorage::new());
    let store = WalletStore::open(storage.clone(), &key("pass")).unwrap();
    let a = store
        .add_credential(CredentialFormat::DataIntegrity, &di_credential(1))
        .unwrap();
    let b = store
        .add_credential(CredentialFormat::SdJwt, SD_JWT)
        .unwrap();
    let record_a = storage.get(CREDENTIAL, &a).unwrap().unwrap();
    let record_b = storage.get(CREDENTIAL, &b).unwrap().unwrap();

    // Swapped.
    storage.put(CREDENTIAL, &a, &record_b).unwrap();
    storage.put(CREDENTIAL, &b, &record_a).unwrap();
    assert_eq!(
        store.credential(&a).unwrap_err(),
        StoreError::Tampered { id: a.clone() }
    );
    assert_eq!(
        store.credential(&b).unwrap_err(),
        StoreError::Tampered { id: b.clone() }
    );
    assert_eq!(store.credentials().unwrap().damaged.len(), 2);

    // Replayed under a new id.
    storage.put(CREDENTIAL, "urn:uuid:copy", &record_a).unwrap();
    assert!(matches!(
        store.credential("urn:uuid:copy"),
        Err(StoreError::Tampered { .. })
    ));
    // Moved to another kind (a credential passed off as an activity entry or a holder key).
    storage.put(ACTIVITY, &a, &record_a).unwrap();
    storage.put(HOLDER_KEY, &a, &record_a).unwrap();
    assert_eq!(store.activity().unwrap().damaged.len(), 1);
    assert!(matches!(
        store.holder_key(&a),
        Err(StoreError::Tampered { .. })
    ));
    // The key check moved onto a credential's id does not open either.
    let check = storage.get(META, "key-check").unwrap().unwrap();
    storage.put(CREDENTIAL, &a, &check).unwrap();
    assert!(matches!(
        store.credential(&a),
        Err(StoreError::Tampered { .. })
    ));

    // Put back where they belong, they open again.
    storage.put(CREDENTIAL, &a, &record_a).unwrap();
    storage.put(CREDENTIAL, &b, &record_b).unwrap();
    assert_eq!(store.credentials().unwrap().records.len(), 2);
}

#[test]
fn wallet_store_tampered_key_check_is_wrong_key() {
    let storage = Arc::new(MemoryStorage::new());
    WalletStore::open(storage.clone(), &key("pass")).unwrap();
    let mut check = storage.get(META, "key-check").unwrap().unwrap();
    let last = check.len() - 1;
    check[last] ^= 0x80;
    storage.put(META, "key-check", &check).unwrap();
    assert_eq!(
        WalletStore::open(storage.clone(), &key("pass")).unwrap_err(),
        StoreError::WrongKey
    );
    // Key check without parameters, or records without a key check: damaged, not recreated.
    storage.delete(META, "key-params").unwrap();
    assert!(matches!(
        WalletStore::open(storage.clone(), &key("pass")),
        Err(StoreError::Corrupt(_))
    ));
    let storage = Arc::new(MemoryStorage::new());
    storage.put(CREDENTIAL, "x", b"whatever").unwrap();
    assert!(matches!(
        WalletStore::open(storage, &key("pass")),
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn wallet_store_rejects_bad_input_without_panicking() {
    let store = WalletStore::open(Arc::new(MemoryStorage::new()), &key("pass")).unwrap();
    for (format, data) in [
        (CredentialFormat::DataIntegrity, "not json"),
        (CredentialFormat::DataIntegrity, "[1, 2]"),
        (CredentialFormat::SdJwt, "no tilde"),
        (CredentialFormat::SdJwt, "a b~"),
        (CredentialFormat::SdJwt, ""),
    ] {
        assert!(matches!(
            store.add_credential(format, data),
            Err(StoreError::Invalid(_))
        ));
    }
    let long = "x".repeat(10_000);
    for id in ["", "a\nb", long.as_str()] {
        assert!(matches!(
            store.put_credential(id, CredentialFormat::SdJwt, SD_JWT),
            Err(StoreError::Invalid(_))
        ));
    }
    assert_eq!(store.credential("absent").unwrap(), None);
}

#[test]
fn wallet_store_raw_key_opens_with_the_same_key_only() {
    let storage = Arc::new(MemoryStorage::new());
    let store = WalletStore::open(storage.clone(), &RawKey::new([1; 32])).unwrap();
    let id = store
        .add_credential(CredentialFormat::SdJwt, SD_JWT)
        .unwrap();
    drop(store);
    assert_eq!(
        WalletStore::open(storage.clone(), &RawKey::new([2; 32])).unwrap_err(),
        StoreError::WrongKey
    );
    // A passphrase key cannot read a raw key's (empty) parameters.
    assert!(WalletStore::open(storage.clone(), &key("pass")).is_err());
    let store = WalletStore::open(storage, &RawKey::new([1; 32])).unwrap();
    assert!(store.credential(&id).unwrap().is_some());
}
