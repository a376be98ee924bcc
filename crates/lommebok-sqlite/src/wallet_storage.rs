//! [`SqliteStorage`]: the wallet's sealed records in a SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lommebok::wallet::store::{Storage, StoreError};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension as _, TransactionBehavior};

/// The version of the wallet database schema, kept in `PRAGMA user_version`.
pub const WALLET_SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` of a lommebok wallet database: "lmbw" (the status database is
/// "lmbk", so neither opens as the other).
const APPLICATION_ID: i64 = 0x6c6d_6277;

/// The smallest database file SQLite writes: one page of the smallest size.
const MIN_DATABASE_LEN: u64 = 512;

/// How long a call waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Schema version 1: one row per record. The store never writes a key or a clear value here,
/// only sealed records and the key parameters.
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS records (
    kind   TEXT NOT NULL,
    id     TEXT NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;
";

/// A wallet [`Storage`] in a SQLite database file.
///
/// - **Durable and atomic**: every `put` and `delete` is one transaction, committed before it
///   returns, in WAL journal mode with `synchronous = FULL`: a record is there entirely or not
///   at all after a crash or a power cut, and a `put` that returned survives both.
/// - **Errors, not panics**: a file that is not a database, a damaged one (also one cut
///   shorter than a database page, which SQLite itself would take for a new database), a full
///   disk, a
///   database of another application or of a newer schema are each a
///   [`StoreError::Store`] with a readable message.
///
/// The schema version is kept in `PRAGMA user_version` (now [`WALLET_SCHEMA_VERSION`]) and the
/// file is marked as a lommebok wallet with `PRAGMA application_id`. The connection is behind a
/// [`Mutex`]: the storage is `Send + Sync`, calls are serialized.
pub struct SqliteStorage {
    connection: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A [`StoreError::Store`] saying what was being done and what SQLite said.
fn store_error(doing: impl std::fmt::Display) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |error| StoreError::Store(format!("{doing}: {}", describe(&error)))
}

/// SQLite's message, with a hint for the failures a person can do something about.
fn describe(error: &rusqlite::Error) -> String {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => format!("{error} (or a damaged one)"),
        Some(ErrorCode::DatabaseCorrupt) => format!("{error} (the database file is damaged)"),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{error} (another process held the database for more than {} seconds)",
            BUSY_TIMEOUT.as_secs()
        ),
        Some(ErrorCode::DiskFull) => format!("{error} (the disk is full)"),
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            format!("{error} (the database file or its directory is not writable)")
        }
        _ => error.to_string(),
    }
}

impl SqliteStorage {
    /// Opens the wallet database at `path`, creating it (and its schema) if there is none. An
    /// empty (0-byte) file is a new database, as SQLite has it.
    ///
    /// # Errors
    /// [`StoreError::Store`] when the file cannot be opened or created, is not a SQLite
    /// database, is another application's, or has a newer schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let doing = format!("cannot open wallet database {}", path.display());
        // SQLite takes a file shorter than its 100-byte header for a new, empty database and
        // would write a new store over it; no database it writes is shorter than one page
        // (512 bytes at least). Such a file is a damaged one: refused, not overwritten.
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.is_file()
            && (1..MIN_DATABASE_LEN).contains(&metadata.len())
        {
            return Err(StoreError::Store(format!(
                "{doing}: the file is {} bytes long, too short for a database (it is damaged, \
                 or not a database)",
                metadata.len()
            )));
        }
        let mut connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(store_error(&doing))?;
        configure(&mut connection).map_err(|e| match e {
            StoreError::Store(message) => StoreError::Store(format!("{doing}: {message}")),
            other => other,
        })?;
        Ok(SqliteStorage {
            connection: Mutex::new(connection),
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's `PRAGMA integrity_check` over the whole file.
    ///
    /// # Errors
    /// [`StoreError::Store`] naming what SQLite found, when the file is damaged.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let connection = self.connection();
        let found: Vec<String> = connection
            .prepare("PRAGMA integrity_check")
            .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
            .map_err(store_error("cannot check the wallet database"))?;
        if found.len() == 1 && found[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Store(format!(
                "the wallet database is damaged: {}",
                found.join("; ")
            )))
        }
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // Every call is one SQLite transaction, rolled back if it did not commit: a panic while
        // the lock was held cannot leave the database half-written.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Sets the pragmas and creates or checks the schema.
fn configure(connection: &mut Connection) -> Result<(), StoreError> {
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(store_error("cannot set the busy timeout"))?;
    // The first statements read the file's header: a file that is not a database fails here.
    let application_id: i64 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(store_error("cannot read the database header"))?;
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(store_error("cannot read the schema version"))?;
    if application_id != APPLICATION_ID && (application_id != 0 || version != 0) {
        return Err(StoreError::Store(
            "the file is a SQLite database of another application, not a lommebok wallet".into(),
        ));
    }
    if version > WALLET_SCHEMA_VERSION {
        return Err(StoreError::Store(format!(
            "the wallet database has schema version {version}, newer than this lommebok-sqlite \
             knows ({WALLET_SCHEMA_VERSION}): upgrade lommebok"
        )));
    }
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(store_error("cannot switch to WAL journal mode"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Store(format!(
            "the database cannot use WAL journal mode (it uses `{mode}`)"
        )));
    }
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(store_error("cannot set synchronous = FULL"))?;
    if version < WALLET_SCHEMA_VERSION {
        create_schema(connection)?;
    }
    Ok(())
}

/// Creates schema version 1 in one transaction, under the write lock (another process may be
/// doing the same).
fn create_schema(connection: &mut Connection) -> Result<(), StoreError> {
    let doing = "cannot create the wallet database schema";
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error(doing))?;
    let version: i64 = transaction
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(store_error(doing))?;
    if version == 0 {
        let tables: i64 = transaction
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |row| row.get(0),
            )
            .map_err(store_error(doing))?;
        if tables != 0 {
            return Err(StoreError::Store(
                "the file is a SQLite database with tables of its own, not a lommebok wallet"
                    .into(),
            ));
        }
        transaction
            .execute_batch(SCHEMA_V1)
            .map_err(store_error(doing))?;
        transaction
            .pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(store_error(doing))?;
        transaction
            .pragma_update(None, "user_version", WALLET_SCHEMA_VERSION)
            .map_err(store_error(doing))?;
    }
    transaction.commit().map_err(store_error(doing))
}

impl Storage for SqliteStorage {
    fn put(&self, kind: &str, id: &str, record: &[u8]) -> Result<(), StoreError> {
        // One statement in autocommit mode: one transaction, committed (synchronous = FULL)
        // before `execute` returns.
        self.connection()
            .prepare_cached(
                "INSERT INTO records (kind, id, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, id) DO UPDATE SET record = excluded.record",
            )
            .and_then(|mut statement| statement.execute((kind, id, record)))
            .map(drop)
            .map_err(store_error(format!("cannot write wallet record `{id}`")))
    }

    fn get(&self, kind: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.connection()
            .prepare_cached("SELECT record FROM records WHERE kind = ?1 AND id = ?2")
            .and_then(|mut statement| statement.query_row((kind, id), |row| row.get(0)).optional())
            .map_err(store_error(format!("cannot read wallet record `{id}`")))
    }

    fn delete(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        self.connection()
            .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")
            .and_then(|mut statement| statement.execute((kind, id)))
            .map(|changed| changed > 0)
            .map_err(store_error(format!("cannot delete wallet record `{id}`")))
    }

    fn list(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.connection()
            .prepare_cached("SELECT id, record FROM records WHERE kind = ?1 ORDER BY id")
            .and_then(|mut statement| {
                statement
                    .query_map([kind], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(store_error(format!(
                "cannot list the wallet's `{kind}` records"
            )))
    }
}
