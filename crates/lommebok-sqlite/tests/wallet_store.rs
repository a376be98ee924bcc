//! The wallet store on SQLite: re-opening, wrong passphrases, tampered and swapped rows,
//! damaged files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;
use std::sync::Arc;

use lommebok::wallet::store::{
    Argon2Params, CREDENTIAL, CredentialFormat, PassphraseKey, StoreError, WalletStore,
};
use lommebok::{Algorithm, Signer as _, SoftwareKey};
use lommebok_sqlite::{SqliteStatusStore, SqliteStorage};
use serde_json::json;

const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

const SD_JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJwaWQifQ.c2ln~WyJzYWx0IiwibmFtZSIsIkthcmkiXQ~";

fn key(passphrase: &str) -> PassphraseKey {
    PassphraseKey::new(passphrase).with_params(FAST).unwrap()
}

fn open(path: &Path, passphrase: &str) -> Result<WalletStore, StoreError> {
    WalletStore::open(Arc::new(SqliteStorage::open(path)?), &key(passphrase))
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

/// A store with three credentials, a holder key and an activity entry; returns the credential
/// ids.
fn populate(path: &Path) -> Vec<String> {
    let store = open(path, "riktig").unwrap();
    let ids = (0..3)
        .map(|n| {
            store
                .add_credential(CredentialFormat::DataIntegrity, &di_credential(n))
                .unwrap()
        })
        .collect();
    store
        .put_holder_key("holder", &SoftwareKey::generate(Algorithm::P256))
        .unwrap();
    store.append_activity(&json!({"event": "created"})).unwrap();
    ids
}

#[test]
fn wallet_store_sqlite_reopen_reads_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    let store = open(&path, "riktig").unwrap();
    let di = store
        .add_credential(CredentialFormat::DataIntegrity, &di_credential(7))
        .unwrap();
    let sd = store
        .add_credential(CredentialFormat::SdJwt, SD_JWT)
        .unwrap();
    let holder = SoftwareKey::generate(Algorithm::Ed25519);
    store.put_holder_key("holder", &holder).unwrap();
    store.append_activity(&json!({"event": "stored"})).unwrap();
    drop(store);

    let store = open(&path, "riktig").unwrap();
    assert_eq!(
        store.credential(&di).unwrap().unwrap().data,
        di_credential(7)
    );
    assert_eq!(store.credential(&sd).unwrap().unwrap().data, SD_JWT);
    assert_eq!(
        store.holder_key("holder").unwrap().unwrap().public_key(),
        holder.public_key()
    );
    assert_eq!(
        store.activity().unwrap().records[0].entry["event"],
        "stored"
    );
    assert_eq!(
        PassphraseKey::recorded_params(store.storage().as_ref()).unwrap(),
        Some(FAST)
    );
    // Nothing in clear in the file.
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("kommune") && !text.contains("eyJhbGci"));
}

#[test]
fn wallet_store_sqlite_wrong_passphrase_leaves_the_file_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    populate(&path);
    let before = std::fs::read(&path).unwrap();
    for wrong in ["feil", "", "Riktig", "riktig "] {
        assert_eq!(open(&path, wrong).unwrap_err(), StoreError::WrongKey);
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let store = open(&path, "riktig").unwrap();
    assert_eq!(store.credentials().unwrap().records.len(), 3);
}

fn sql(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn wallet_store_sqlite_tampered_bytes_are_reported_for_that_record_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    let ids = populate(&path);
    let connection = sql(&path);
    let mut record: Vec<u8> = connection
        .query_row(
            "SELECT record FROM records WHERE kind = ?1 AND id = ?2",
            (CREDENTIAL, &ids[1]),
            |row| row.get(0),
        )
        .unwrap();
    let at = record.len() - 20;
    record[at] ^= 0x40;
    connection
        .execute(
            "UPDATE records SET record = ?1 WHERE kind = ?2 AND id = ?3",
            (&record, CREDENTIAL, &ids[1]),
        )
        .unwrap();
    drop(connection);

    let store = open(&path, "riktig").unwrap();
    assert_eq!(
        store.credential(&ids[1]).unwrap_err(),
        StoreError::Tampered { id: ids[1].clone() }
    );
    assert!(store.credential(&ids[0]).unwrap().is_some());
    assert!(store.credential(&ids[2]).unwrap().is_some());
    let listing = store.credentials().unwrap();
    assert_eq!(listing.records.len(), 2);
    assert_eq!(
        listing.damaged,
        [StoreError::Tampered { id: ids[1].clone() }]
    );
    assert!(store.holder_key("holder").unwrap().is_some());
}

#[test]
fn wallet_store_sqlite_swapped_rows_are_both_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    let ids = populate(&path);
    let connection = sql(&path);
    let blob = |id: &str| -> Vec<u8> {
        connection
            .query_row(
                "SELECT record FROM records WHERE kind = ?1 AND id = ?2",
                (CREDENTIAL, id),
                |row| row.get(0),
            )
            .unwrap()
    };
    let (first, last) = (blob(&ids[0]), blob(&ids[2]));
    assert_ne!(first, last);
    for (id, record) in [(&ids[0], &last), (&ids[2], &first)] {
        let changed = connection
            .execute(
                "UPDATE records SET record = ?1 WHERE kind = ?2 AND id = ?3",
                (record, CREDENTIAL, id),
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    // A credential's row moved onto the holder key's id.
    connection
        .execute(
            "UPDATE records SET record = (SELECT record FROM records WHERE id = ?1)
             WHERE kind = 'holder-key' AND id = 'holder'",
            [&ids[1]],
        )
        .unwrap();
    drop(connection);

    let store = open(&path, "riktig").unwrap();
    for id in [&ids[0], &ids[2]] {
        assert_eq!(
            store.credential(id).unwrap_err(),
            StoreError::Tampered { id: id.clone() }
        );
    }
    let listing = store.credentials().unwrap();
    assert_eq!(listing.records.len(), 1);
    assert_eq!(listing.records[0].id, ids[1]);
    assert_eq!(listing.damaged.len(), 2);
    assert_eq!(
        store.holder_key("holder").unwrap_err(),
        StoreError::Tampered {
            id: "holder".into()
        }
    );
    assert_eq!(store.activity().unwrap().records.len(), 1);
}

#[test]
fn wallet_store_sqlite_garbage_and_truncated_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();

    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, vec![0x5a; 10_000]).unwrap();
    let error = SqliteStorage::open(&garbage).unwrap_err();
    assert!(
        matches!(&error, StoreError::Store(m) if m.contains("not a database")),
        "{error}"
    );

    let text = dir.path().join("text.sqlite");
    std::fs::write(&text, "SQLite format 3\0 but not really").unwrap();
    assert!(matches!(
        SqliteStorage::open(&text),
        Err(StoreError::Store(_))
    ));

    // Another application's database, and lommebok's status database.
    let other = dir.path().join("other.sqlite");
    sql(&other)
        .execute_batch("CREATE TABLE t (x); PRAGMA application_id = 42;")
        .unwrap();
    assert!(matches!(
        SqliteStorage::open(&other),
        Err(StoreError::Store(m)) if m.contains("another application")
    ));
    let status = dir.path().join("status.sqlite");
    drop(SqliteStatusStore::open(&status).unwrap());
    assert!(matches!(
        SqliteStorage::open(&status),
        Err(StoreError::Store(_))
    ));

    // A store cut to less than a page is not taken for a new, empty one.
    let good = dir.path().join("good.sqlite");
    let ids = populate(&good);
    let bytes = std::fs::read(&good).unwrap();
    for cut in [1, 99, 100, 511] {
        let path = dir.path().join(format!("short-{cut}.sqlite"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        assert!(
            matches!(SqliteStorage::open(&path), Err(StoreError::Store(m)) if m.contains("too short")),
            "cut at {cut}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), &bytes[..cut]);
    }

    // A real store cut short at several points: an error from opening or reading, or, when
    // SQLite still reads it all, records that open. Never a panic, never a wrong record.
    assert!(bytes.len() > 4096, "{}", bytes.len());
    for cut in [1, 50, 99, 100, 512, 4096, bytes.len() / 2, bytes.len() - 1] {
        let path = dir.path().join(format!("cut-{cut}.sqlite"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let outcome = open(&path, "riktig").and_then(|store| {
            let listing = store.credentials()?;
            for credential in &listing.records {
                assert!(ids.contains(&credential.id));
            }
            Ok(listing.records.len())
        });
        eprintln!("cut at {cut} of {}: {outcome:?}", bytes.len());
        match outcome {
            Err(StoreError::Store(message) | StoreError::Corrupt(message)) => {
                assert!(!message.is_empty());
            }
            Err(other) => panic!("cut at {cut}: unexpected {other:?}"),
            Ok(n) => assert!(n <= ids.len()),
        }
    }
}

#[test]
fn wallet_store_sqlite_argon2_params_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    let params = Argon2Params {
        memory_kib: 256,
        iterations: 2,
        parallelism: 2,
    };
    let key = PassphraseKey::new("riktig").with_params(params).unwrap();
    let store = WalletStore::open(Arc::new(SqliteStorage::open(&path).unwrap()), &key).unwrap();
    let id = store
        .add_credential(CredentialFormat::SdJwt, SD_JWT)
        .unwrap();
    drop(store);
    let storage = Arc::new(SqliteStorage::open(&path).unwrap());
    assert_eq!(
        PassphraseKey::recorded_params(storage.as_ref()).unwrap(),
        Some(params)
    );
    // A key with other costs for new stores opens it with the recorded ones.
    let store = WalletStore::open(storage, &key_with_other_costs()).unwrap();
    assert!(store.credential(&id).unwrap().is_some());
}

fn key_with_other_costs() -> PassphraseKey {
    key("riktig")
}

#[test]
fn wallet_store_sqlite_integrity_check_passes_on_a_fresh_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    populate(&path);
    SqliteStorage::open(&path)
        .unwrap()
        .check_integrity()
        .unwrap();
}
