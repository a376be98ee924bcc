//! The SQLite status store: persistence across restarts, indices never reused, concurrent
//! allocation, damaged files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use lommebok::status::{
    CredentialStatus, MIN_ENTRIES, StatusError, StatusListInfo, StatusMessage, StatusPurpose,
    StatusRegistry, StatusStore,
};
use lommebok_sqlite::{SCHEMA_VERSION, SqliteStatusStore};

const REVOCATION: &str = "https://kommune.example/status/revocation/1";
const SUSPENSION: &str = "https://kommune.example/status/suspension/1";
const MESSAGES: &str = "https://kommune.example/status/message/1";
const SMALL: &str = "https://kommune.example/status/small";

fn registry(path: &Path) -> StatusRegistry {
    StatusRegistry::new(Arc::new(SqliteStatusStore::open(path).unwrap()))
}

fn message_list() -> StatusListInfo {
    StatusListInfo {
        url: MESSAGES.into(),
        purpose: StatusPurpose::Message,
        size: 2,
        entries: MIN_ENTRIES,
        messages: ["valid", "pending review", "under appeal", "withdrawn"]
            .iter()
            .enumerate()
            .map(|(status, message)| StatusMessage {
                status: status as u8,
                message: (*message).into(),
            })
            .collect(),
        reference: vec!["https://kommune.example/status/dictionary".into()],
    }
}

/// A list smaller than the registry allows (it is created through the store directly), so that
/// tests can fill it.
fn small_list(entries: u64) -> StatusListInfo {
    StatusListInfo {
        url: SMALL.into(),
        purpose: StatusPurpose::Revocation,
        size: 1,
        entries,
        messages: Vec::new(),
        reference: Vec::new(),
    }
}

#[test]
fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.sqlite");
    let credentials: Vec<String> = (0..40)
        .map(|i| format!("urn:uuid:credential-{i}"))
        .collect();

    let (lists, statuses, bitstrings) = {
        let registry = registry(&path);
        registry
            .create_list(REVOCATION, StatusPurpose::Revocation)
            .unwrap();
        registry
            .create_list(SUSPENSION, StatusPurpose::Suspension)
            .unwrap();
        registry.create_list_with(message_list()).unwrap();
        for credential in &credentials {
            for list in [REVOCATION, SUSPENSION, MESSAGES] {
                registry.allocate(list, credential).unwrap();
            }
        }
        for credential in credentials.iter().step_by(3) {
            registry.revoke(credential).unwrap();
        }
        for credential in credentials.iter().skip(1).step_by(4) {
            registry.suspend(credential).unwrap();
        }
        // Suspended, then reinstated: back to 0, and stays 0 after the restart.
        registry.unsuspend(&credentials[1]).unwrap();
        registry
            .set(&credentials[2], StatusPurpose::Message, 3)
            .unwrap();
        registry
            .set(&credentials[5], StatusPurpose::Message, 2)
            .unwrap();

        let statuses: Vec<_> = credentials
            .iter()
            .map(|c| registry.status_of(c).unwrap())
            .collect();
        let bitstrings: Vec<_> = [REVOCATION, SUSPENSION, MESSAGES]
            .iter()
            .map(|l| registry.bitstring(l).unwrap())
            .collect();
        (registry.lists().unwrap(), statuses, bitstrings)
        // The registry and its store are dropped here: the "process" ends.
    };
    let value = |status: &[CredentialStatus], purpose| {
        status.iter().find(|s| s.purpose == purpose).unwrap().value
    };
    assert_eq!(value(&statuses[0], StatusPurpose::Revocation), 1);
    assert_eq!(value(&statuses[1], StatusPurpose::Suspension), 0);
    assert_eq!(value(&statuses[2], StatusPurpose::Message), 3);

    let reopened = registry(&path);
    assert_eq!(reopened.lists().unwrap(), lists);
    assert_eq!(reopened.lists().unwrap()[2], message_list());
    for (credential, before) in credentials.iter().zip(&statuses) {
        assert_eq!(&reopened.status_of(credential).unwrap(), before);
    }
    for (list, before) in [REVOCATION, SUSPENSION, MESSAGES].iter().zip(&bitstrings) {
        assert_eq!(&reopened.bitstring(list).unwrap(), before, "{list}");
        assert_eq!(
            reopened.list_subject(list, None).unwrap()["encodedList"],
            before.encode().as_str()
        );
    }
    // And it goes on working: revoke after the restart, restart again.
    reopened.revoke(&credentials[1]).unwrap();
    drop(reopened);
    let status = registry(&path).status_of(&credentials[1]).unwrap();
    assert_eq!(value(&status, StatusPurpose::Revocation), 1);
}

#[test]
fn schema_version_and_pragmas_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.sqlite");
    drop(SqliteStatusStore::open(&path).unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    let pragma = |name: &str| -> String {
        connection
            .query_row(&format!("PRAGMA {name}"), [], |row| {
                row.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| format!("{v:?}"))
            .unwrap()
    };
    assert_eq!(pragma("user_version"), format!("Integer({SCHEMA_VERSION})"));
    // WAL is a property of the file: it persists.
    assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
}

#[test]
fn an_index_is_never_allocated_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.sqlite");

    // A full-size list: many random allocations before and after the restart.
    let mut seen = HashSet::new();
    {
        let registry = registry(&path);
        registry
            .create_list(REVOCATION, StatusPurpose::Revocation)
            .unwrap();
        for i in 0..300 {
            let entry = registry
                .allocate(REVOCATION, &format!("urn:before:{i}"))
                .unwrap();
            assert!(seen.insert(entry.index), "index {} reused", entry.index);
        }
    }
    {
        let registry = registry(&path);
        for i in 0..300 {
            let entry = registry
                .allocate(REVOCATION, &format!("urn:after:{i}"))
                .unwrap();
            assert!(
                seen.insert(entry.index),
                "index {} allocated before the restart was allocated again",
                entry.index
            );
        }
    }
    // Taking an index that is taken fails at the store, before and after a restart.
    let store = SqliteStatusStore::open(&path).unwrap();
    assert_eq!(store.allocated(REVOCATION).unwrap(), 600);
    for index in seen.iter().take(50) {
        assert!(!store.allocate(REVOCATION, *index, "urn:thief").unwrap());
    }
    assert!(store.allocations("urn:thief").unwrap().is_empty());

    // A small list, filled across a restart: every index exactly once, then full.
    const ENTRIES: u64 = 64;
    let mut small = HashSet::new();
    {
        let store = Arc::new(SqliteStatusStore::open(&path).unwrap());
        store.create_list(&small_list(ENTRIES)).unwrap();
        let registry = StatusRegistry::new(store);
        for i in 0..40 {
            let entry = registry.allocate(SMALL, &format!("urn:small:{i}")).unwrap();
            assert!(small.insert(entry.index));
            // Revoked credentials keep their index.
            registry.revoke(&format!("urn:small:{i}")).unwrap();
        }
    }
    let registry = registry(&path);
    for i in 40..ENTRIES {
        let entry = registry.allocate(SMALL, &format!("urn:small:{i}")).unwrap();
        assert!(
            small.insert(entry.index),
            "index {} allocated twice",
            entry.index
        );
    }
    assert_eq!(small, (0..ENTRIES).collect());
    assert!(matches!(
        registry.allocate(SMALL, "urn:one-too-many"),
        Err(StatusError::Full(_))
    ));
}

#[test]
fn two_threads_allocating_at_once_never_get_the_same_index() {
    const ENTRIES: u64 = 256;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStatusStore::open(dir.path().join("status.sqlite")).unwrap());
    store.create_list(&small_list(ENTRIES)).unwrap();
    let registry = StatusRegistry::new(store);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let registry = registry.clone();
            std::thread::spawn(move || {
                (0..ENTRIES / 2)
                    .map(|i| registry.allocate(SMALL, &format!("urn:{t}:{i}")).unwrap())
                    .map(|entry| entry.index)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for thread in threads {
        all.extend(thread.join().unwrap());
    }
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "an index was handed out twice");
    assert_eq!(distinct, (0..ENTRIES).collect());
}

#[test]
fn two_connections_to_one_file_never_get_the_same_index() {
    // As two processes would: each thread opens the file itself.
    const ENTRIES: u64 = 128;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.sqlite");
    SqliteStatusStore::open(&path)
        .unwrap()
        .create_list(&small_list(ENTRIES))
        .unwrap();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let registry = registry(&path);
                (0..ENTRIES / 2)
                    .map(|i| registry.allocate(SMALL, &format!("urn:{t}:{i}")).unwrap())
                    .map(|entry| entry.index)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for thread in threads {
        all.extend(thread.join().unwrap());
    }
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "an index was handed out twice");
    assert_eq!(distinct, (0..ENTRIES).collect());
}

#[track_caller]
fn store_error(result: Result<SqliteStatusStore, StatusError>) -> String {
    match result {
        Err(StatusError::Store(message)) => message,
        other => panic!("expected StatusError::Store, got {other:?}"),
    }
}

#[test]
fn a_damaged_file_is_a_store_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.sqlite");
    std::fs::write(
        &path,
        b"this is not a database, just some garbage bytes \x00\xff\xfe".repeat(100),
    )
    .unwrap();
    let message = store_error(SqliteStatusStore::open(&path));
    assert!(message.contains("status.sqlite"), "{message}");
    assert!(message.contains("not a database"), "{message}");
    let message = store_error(SqliteStatusStore::open_existing(&path));
    assert!(message.contains("not a database"), "{message}");

    // A real database whose first page was overwritten.
    let damaged = dir.path().join("damaged.sqlite");
    {
        let registry = registry(&damaged);
        registry
            .create_list(REVOCATION, StatusPurpose::Revocation)
            .unwrap();
        registry.allocate(REVOCATION, "urn:a").unwrap();
    }
    let mut bytes = std::fs::read(&damaged).unwrap();
    for byte in bytes.iter_mut().take(100) {
        *byte = 0xa5;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join("damaged.sqlite-wal"));
    let message = store_error(SqliteStatusStore::open(&damaged));
    assert!(message.contains("damaged.sqlite"), "{message}");

    // An empty file is an empty database: it becomes a status database.
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    SqliteStatusStore::open(&empty).unwrap();
}

#[test]
fn other_databases_and_newer_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE customers (name TEXT)")
        .unwrap();
    let message = store_error(SqliteStatusStore::open(&other));
    assert!(
        message.contains("not a lommebok status database"),
        "{message}"
    );

    let newer = dir.path().join("newer.sqlite");
    drop(SqliteStatusStore::open(&newer).unwrap());
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let message = store_error(SqliteStatusStore::open(&newer));
    assert!(message.contains("schema version"), "{message}");
}

#[test]
fn open_existing_does_not_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.sqlite");
    let message = store_error(SqliteStatusStore::open_existing(&path));
    assert!(message.contains("does not exist"), "{message}");
    assert!(!path.exists());
    drop(SqliteStatusStore::open(&path).unwrap());
    let store = SqliteStatusStore::open_existing(&path).unwrap();
    assert_eq!(store.path(), Some(path.as_path()));
}

#[test]
fn unwritable_location_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let message = store_error(SqliteStatusStore::open(
        dir.path().join("no/such/dir/status.sqlite"),
    ));
    assert!(message.contains("cannot open status database"), "{message}");
}

#[test]
fn in_memory_store_works() {
    let store = Arc::new(SqliteStatusStore::in_memory().unwrap());
    assert_eq!(store.path(), None);
    let registry = StatusRegistry::new(store.clone());
    registry
        .create_list(REVOCATION, StatusPurpose::Revocation)
        .unwrap();
    registry
        .create_list(SUSPENSION, StatusPurpose::Suspension)
        .unwrap();
    let revocation = registry.allocate(REVOCATION, "urn:a").unwrap();
    let suspension = registry.allocate(SUSPENSION, "urn:a").unwrap();
    registry.allocate(REVOCATION, "urn:b").unwrap();
    registry.revoke("urn:a").unwrap();
    registry.suspend("urn:a").unwrap();
    let status: Vec<_> = registry
        .status_of("urn:a")
        .unwrap()
        .into_iter()
        .map(|s| (s.list, s.purpose, s.index, s.value))
        .collect();
    assert_eq!(
        status,
        [
            (
                REVOCATION.to_owned(),
                StatusPurpose::Revocation,
                revocation.index,
                1
            ),
            (
                SUSPENSION.to_owned(),
                StatusPurpose::Suspension,
                suspension.index,
                1
            ),
        ]
    );
    assert_eq!(
        registry
            .bitstring(REVOCATION)
            .unwrap()
            .get(revocation.index, 1)
            .unwrap(),
        1
    );
    assert_eq!(store.allocated(REVOCATION).unwrap(), 2);
    assert_eq!(store.values(REVOCATION).unwrap(), [(revocation.index, 1)]);
    registry.unsuspend("urn:a").unwrap();
    assert!(store.values(SUSPENSION).unwrap().is_empty());
    // Two in-memory stores are separate.
    assert!(
        SqliteStatusStore::in_memory()
            .unwrap()
            .lists()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn store_errors_match_the_trait() {
    let store = SqliteStatusStore::in_memory().unwrap();
    assert!(matches!(
        store.allocate(REVOCATION, 0, "urn:a"),
        Err(StatusError::UnknownList(_))
    ));
    assert!(matches!(
        store.set_value(REVOCATION, 0, 1),
        Err(StatusError::UnknownList(_))
    ));
    assert_eq!(store.allocated(REVOCATION).unwrap(), 0);
    store.create_list(&small_list(16)).unwrap();
    // The same URL twice.
    assert!(matches!(
        store.create_list(&small_list(16)),
        Err(StatusError::ListExists(url)) if url == SMALL
    ));
    assert!(matches!(
        store.allocate(SMALL, 16, "urn:a"),
        Err(StatusError::OutOfRange {
            index: 16,
            entries: 16
        })
    ));
    // A value only for an allocated entry.
    assert!(matches!(
        store.set_value(SMALL, 3, 1),
        Err(StatusError::Store(m)) if m.contains("not allocated")
    ));
    assert!(store.allocate(SMALL, 3, "urn:a").unwrap());
    assert!(!store.allocate(SMALL, 3, "urn:b").unwrap());
    store.set_value(SMALL, 3, 1).unwrap();
    store.set_value(SMALL, 3, 1).unwrap();
    assert_eq!(store.values(SMALL).unwrap(), [(3, 1)]);
    assert_eq!(store.allocations("urn:a").unwrap(), [(SMALL.to_owned(), 3)]);
    store.set_value(SMALL, 3, 0).unwrap();
    assert!(store.values(SMALL).unwrap().is_empty());
    // Out-of-range sizes are refused by the schema too.
    let mut bad = small_list(16);
    bad.url = "https://kommune.example/status/bad".into();
    bad.size = 9;
    assert!(matches!(
        store.create_list(&bad),
        Err(StatusError::Store(_))
    ));
}

#[test]
fn the_store_behaves_like_the_memory_store() {
    // The same operations on both stores give the same answers (indices aside: they are
    // random, so the lists are compared through the store calls with fixed indices).
    let memory = lommebok::status::MemoryStatusStore::default();
    let sqlite = SqliteStatusStore::in_memory().unwrap();
    let stores: [&dyn StatusStore; 2] = [&memory, &sqlite];
    for store in stores {
        store.create_list(&small_list(32)).unwrap();
        store.create_list(&message_list()).unwrap();
        for (index, credential) in [(5, "urn:a"), (1, "urn:b"), (9, "urn:a")] {
            assert!(store.allocate(SMALL, index, credential).unwrap());
        }
        assert!(store.allocate(MESSAGES, 7, "urn:a").unwrap());
        store.set_value(SMALL, 9, 1).unwrap();
        store.set_value(MESSAGES, 7, 3).unwrap();
    }
    assert_eq!(memory.lists().unwrap(), sqlite.lists().unwrap());
    for credential in ["urn:a", "urn:b", "urn:c"] {
        assert_eq!(
            memory.allocations(credential).unwrap(),
            sqlite.allocations(credential).unwrap()
        );
    }
    for list in [SMALL, MESSAGES] {
        assert_eq!(
            memory.allocated(list).unwrap(),
            sqlite.allocated(list).unwrap()
        );
        assert_eq!(memory.values(list).unwrap(), sqlite.values(list).unwrap());
    }
}
