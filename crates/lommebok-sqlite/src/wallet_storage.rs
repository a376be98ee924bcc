//! [`SqliteStorage`]: the wallet's sealed records in a SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use lommebok::wallet::store::{Storage, StoreError};

use crate::database;
use rusqlite::{Connection, OpenFlags, OptionalExtension as _};

/// The version of the wallet database schema, kept in `PRAGMA user_version`.
pub const WALLET_SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` of a lommebok wallet database: "lmbw" (the status database is
/// "lmbk", so neither opens as the other).
const APPLICATION_ID: i64 = 0x6c6d_6277;

/// The smallest database file SQLite writes: one page of the smallest size.
const MIN_DATABASE_LEN: u64 = 512;

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
    move |error| StoreError::Store(format!("{doing}: {}", database::describe(&error)))
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

/// The wallet database, for [`database::configure`].
const WALLET_DATABASE: database::Kind = database::Kind {
    name: "wallet",
    application_id: APPLICATION_ID,
    version: WALLET_SCHEMA_VERSION,
    schema: SCHEMA_V1,
    foreign_keys: false,
};

/// Sets the pragmas and creates or checks the schema.
fn configure(connection: &mut Connection) -> Result<(), StoreError> {
    database::configure(connection, &WALLET_DATABASE, true).map_err(StoreError::Store)
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
