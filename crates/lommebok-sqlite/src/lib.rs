//! SQLite stores for lommebok: a persistent [`StatusStore`] for issuers, and [`SqliteStorage`],
//! the embedded default `Storage` under a wallet's encrypted `WalletStore` (records are sealed
//! by lommebok before they reach SQLite).
//!
//! An issuer that revokes or suspends credentials (Bitstring Status List v1.0) has to remember,
//! across restarts, which index of which status list each credential holds and what has been
//! revoked or suspended. [`SqliteStatusStore`] keeps that in one SQLite file, so that a
//! [`StatusRegistry`](lommebok::status::StatusRegistry) over it survives the process:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use lommebok::status::{StatusPurpose, StatusRegistry};
//! use lommebok_sqlite::SqliteStatusStore;
//!
//! # fn main() -> Result<(), lommebok::status::StatusError> {
//! let store = SqliteStatusStore::open("status.sqlite")?;
//! let registry = StatusRegistry::new(Arc::new(store));
//! registry.create_list("https://kommune.example/status/1", StatusPurpose::Revocation)?;
//! let entry = registry.allocate("https://kommune.example/status/1", "urn:uuid:1234")?;
//! registry.revoke("urn:uuid:1234")?;
//! # let _ = entry;
//! # Ok(())
//! # }
//! ```
//!
//! What it guarantees:
//!
//! - **Durable**: every call is its own transaction, committed before it returns, in WAL
//!   journal mode with `synchronous = FULL` (a committed revocation survives a power cut).
//! - **Indices are never handed out twice**: an allocation is a row keyed by (list, index)
//!   taken with `INSERT OR IGNORE`, so two threads, or two processes on the same file, cannot
//!   take the same index, and allocation rows are never deleted, so an index stays taken after
//!   its credential is revoked or the issuer restarts.
//! - **Errors, not panics**: every SQLite failure (a file that is not a database, a full disk, a
//!   database written by a newer schema) is a [`StatusError::Store`] with a readable message.
//!
//! The schema version is kept in `PRAGMA user_version` (now [`SCHEMA_VERSION`]) and the file is
//! marked as lommebok's with `PRAGMA application_id`; a SQLite file of another application is
//! refused rather than written to. SQLite itself is compiled in (`rusqlite`'s `bundled`
//! feature): no system library is needed.
//!
//! The connection is shared behind a [`Mutex`], so a store is `Send + Sync` and can be used from
//! many threads; calls are serialized, which at the rate credentials are issued and revoked is
//! no limit. Another process may open the same file: SQLite's locking keeps them apart, and
//! each waits up to ten seconds for the other's write to finish.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use lommebok::status::{StatusError, StatusListInfo, StatusMessage, StatusPurpose, StatusStore};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension as _};
use serde_json::{Value, json};

mod database;
mod wallet_storage;
pub use wallet_storage::{SqliteStorage, WALLET_SCHEMA_VERSION};

/// The version of the database schema this crate writes, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` of a lommebok status database: "lmbk".
const APPLICATION_ID: i64 = 0x6c6d_626b;

/// Schema version 1. STRICT tables: SQLite checks every column's type.
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS lists (
    url       TEXT PRIMARY KEY NOT NULL,
    purpose   TEXT NOT NULL,
    size      INTEGER NOT NULL CHECK (size BETWEEN 1 AND 8),
    entries   INTEGER NOT NULL CHECK (entries > 0),
    messages  TEXT NOT NULL,   -- JSON: [{\"status\": 0, \"message\": \"...\"}, ...]
    reference TEXT NOT NULL    -- JSON: [\"https://...\", ...]
) STRICT;

-- Rows are never deleted: an index once taken stays taken.
CREATE TABLE IF NOT EXISTS allocations (
    list       TEXT NOT NULL REFERENCES lists (url),
    idx        INTEGER NOT NULL CHECK (idx >= 0),
    credential TEXT NOT NULL,
    PRIMARY KEY (list, idx)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS allocations_by_credential ON allocations (credential);

-- Only entries whose value is not zero.
CREATE TABLE IF NOT EXISTS entry_values (
    list  TEXT NOT NULL,
    idx   INTEGER NOT NULL,
    value INTEGER NOT NULL CHECK (value BETWEEN 1 AND 255),
    PRIMARY KEY (list, idx),
    FOREIGN KEY (list, idx) REFERENCES allocations (list, idx)
) STRICT, WITHOUT ROWID;
";

/// A [`StatusStore`] in a SQLite database file (or in memory).
pub struct SqliteStatusStore {
    connection: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteStatusStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStatusStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A [`StatusError::Store`] saying what was being done and what SQLite said.
fn store_error(doing: impl std::fmt::Display) -> impl FnOnce(rusqlite::Error) -> StatusError {
    move |error| StatusError::Store(format!("{doing}: {}", database::describe(&error)))
}

/// A corrupt row: the database holds something this crate never writes.
fn corrupt(what: impl std::fmt::Display) -> StatusError {
    StatusError::Store(format!("the status database is damaged: {what}"))
}

/// An index or count as SQLite's signed 64-bit integer.
fn to_sql_int(value: u64, what: &str) -> Result<i64, StatusError> {
    i64::try_from(value).map_err(|_| StatusError::Store(format!("{what} {value} is too large")))
}

/// A SQLite integer read back as an index or count.
fn from_sql_int(value: i64, what: &str) -> Result<u64, StatusError> {
    u64::try_from(value).map_err(|_| corrupt(format!("{what} is {value}")))
}

impl SqliteStatusStore {
    /// Opens the status database at `path`, creating the file and its schema if absent.
    ///
    /// # Errors
    /// [`StatusError::Store`] when the file cannot be opened or created, is not a SQLite
    /// database (or is damaged), belongs to another application, or was written by a newer
    /// schema version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StatusError> {
        let path = path.as_ref();
        Self::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    /// Opens the status database at `path`, which must exist (e.g. for a tool that should not
    /// silently start an empty database because of a typo in the path).
    ///
    /// # Errors
    /// As [`SqliteStatusStore::open`], and [`StatusError::Store`] when the file does not exist.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, StatusError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(StatusError::Store(format!(
                "status database {} does not exist",
                path.display()
            )));
        }
        Self::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Self, StatusError> {
        let doing = format!("cannot open status database {}", path.display());
        let mut connection =
            Connection::open_with_flags(path, flags).map_err(store_error(&doing))?;
        configure(&mut connection, true).map_err(|e| match e {
            StatusError::Store(message) => StatusError::Store(format!("{doing}: {message}")),
            other => other,
        })?;
        Ok(SqliteStatusStore {
            connection: Mutex::new(connection),
            path: Some(path.to_owned()),
        })
    }

    /// A store in memory: nothing survives the store (for tests, and issuers that keep
    /// nothing).
    ///
    /// # Errors
    /// [`StatusError::Store`] if SQLite cannot allocate the database.
    pub fn in_memory() -> Result<Self, StatusError> {
        let mut connection =
            Connection::open_in_memory().map_err(store_error("cannot open a status database"))?;
        configure(&mut connection, false)?;
        Ok(SqliteStatusStore {
            connection: Mutex::new(connection),
            path: None,
        })
    }

    /// The database file, or `None` for a store in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave the database half-written: every call
        // is one SQLite transaction, rolled back if it did not commit.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The status database, for [`database::configure`].
const STATUS_DATABASE: database::Kind = database::Kind {
    name: "status database",
    application_id: APPLICATION_ID,
    version: SCHEMA_VERSION,
    schema: SCHEMA_V1,
    foreign_keys: true,
};

/// Sets the pragmas and creates or checks the schema.
fn configure(connection: &mut Connection, file: bool) -> Result<(), StatusError> {
    database::configure(connection, &STATUS_DATABASE, file).map_err(StatusError::Store)
}

fn messages_to_json(messages: &[StatusMessage]) -> String {
    Value::Array(
        messages
            .iter()
            .map(|m| json!({"status": m.status, "message": m.message}))
            .collect(),
    )
    .to_string()
}

fn messages_from_json(url: &str, text: &str) -> Result<Vec<StatusMessage>, StatusError> {
    let bad = || {
        corrupt(format!(
            "the status messages of list `{url}` are not readable"
        ))
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Err(bad());
    };
    items
        .iter()
        .map(|item| {
            let status = item
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u8::try_from(s).ok());
            let message = item.get("message").and_then(Value::as_str);
            match (status, message) {
                (Some(status), Some(message)) => Ok(StatusMessage {
                    status,
                    message: message.to_owned(),
                }),
                _ => Err(bad()),
            }
        })
        .collect()
}

fn reference_from_json(url: &str, text: &str) -> Result<Vec<String>, StatusError> {
    serde_json::from_str::<Vec<String>>(text).map_err(|_| {
        corrupt(format!(
            "the statusReference of list `{url}` is not readable"
        ))
    })
}

/// The number of entries of list `url`, or [`StatusError::UnknownList`].
fn list_entries(connection: &Connection, url: &str) -> Result<u64, StatusError> {
    let entries: Option<i64> = connection
        .prepare_cached("SELECT entries FROM lists WHERE url = ?1")
        .and_then(|mut statement| statement.query_row([url], |row| row.get(0)).optional())
        .map_err(store_error(format!("cannot read status list `{url}`")))?;
    match entries {
        Some(entries) => from_sql_int(entries, "a list's number of entries"),
        None => Err(StatusError::UnknownList(url.to_owned())),
    }
}

impl StatusStore for SqliteStatusStore {
    fn create_list(&self, list: &StatusListInfo) -> Result<(), StatusError> {
        let entries = to_sql_int(list.entries, "number of entries")?;
        let reference = Value::from(list.reference.clone()).to_string();
        let connection = self.connection();
        if list_entries(&connection, &list.url).is_ok() {
            return Err(StatusError::ListExists(list.url.clone()));
        }
        let result = connection.execute(
            "INSERT INTO lists (url, purpose, size, entries, messages, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (
                &list.url,
                list.purpose.as_str(),
                list.size,
                entries,
                messages_to_json(&list.messages),
                reference,
            ),
        );
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Err(StatusError::Store(format!(
                    "cannot create status list `{}`: its size or number of entries is out \
                     of range",
                    list.url
                )))
            }
            Err(e) => Err(store_error(format!(
                "cannot create status list `{}`",
                list.url
            ))(e)),
        }
    }

    fn lists(&self) -> Result<Vec<StatusListInfo>, StatusError> {
        type Row = (String, String, i64, i64, String, String);
        let connection = self.connection();
        let rows: Vec<Row> = connection
            .prepare_cached(
                "SELECT url, purpose, size, entries, messages, reference FROM lists
                 ORDER BY rowid",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                        ))
                    })?
                    .collect()
            })
            .map_err(store_error("cannot read the status lists"))?;
        drop(connection);
        rows.into_iter()
            .map(|(url, purpose, size, entries, messages, reference)| {
                let purpose: StatusPurpose = purpose
                    .parse()
                    .map_err(|_| corrupt(format!("list `{url}` has the purpose `{purpose}`")))?;
                let size = u8::try_from(size)
                    .map_err(|_| corrupt(format!("list `{url}` has the size {size}")))?;
                let entries = from_sql_int(entries, "a list's number of entries")?;
                let messages = messages_from_json(&url, &messages)?;
                let reference = reference_from_json(&url, &reference)?;
                Ok(StatusListInfo {
                    url,
                    purpose,
                    size,
                    entries,
                    messages,
                    reference,
                })
            })
            .collect()
    }

    fn allocate(&self, list: &str, index: u64, credential: &str) -> Result<bool, StatusError> {
        let connection = self.connection();
        let entries = list_entries(&connection, list)?;
        if index >= entries {
            return Err(StatusError::OutOfRange { index, entries });
        }
        let sql_index = to_sql_int(index, "index")?;
        // The primary key (list, idx) makes taking an index atomic, across connections too:
        // exactly one INSERT of a given index changes a row.
        let changed = connection
            .prepare_cached(
                "INSERT OR IGNORE INTO allocations (list, idx, credential) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut statement| statement.execute((list, sql_index, credential)))
            .map_err(store_error(format!(
                "cannot allocate index {index} of status list `{list}`"
            )))?;
        Ok(changed == 1)
    }

    fn allocations(&self, credential: &str) -> Result<Vec<(String, u64)>, StatusError> {
        let rows: Vec<(String, i64)> = self
            .connection()
            .prepare_cached(
                "SELECT list, idx FROM allocations WHERE credential = ?1 ORDER BY list, idx",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([credential], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(store_error(format!(
                "cannot read the status entries of `{credential}`"
            )))?;
        rows.into_iter()
            .map(|(list, index)| Ok((list, from_sql_int(index, "an allocated index")?)))
            .collect()
    }

    fn allocated(&self, list: &str) -> Result<u64, StatusError> {
        let count: i64 = self
            .connection()
            .prepare_cached("SELECT count(*) FROM allocations WHERE list = ?1")
            .and_then(|mut statement| statement.query_row([list], |row| row.get(0)))
            .map_err(store_error(format!(
                "cannot count the entries of status list `{list}`"
            )))?;
        from_sql_int(count, "a count of allocations")
    }

    fn set_value(&self, list: &str, index: u64, value: u8) -> Result<(), StatusError> {
        let connection = self.connection();
        let doing = format!("cannot set entry {index} of status list `{list}`");
        let sql_index = to_sql_int(index, "index")?;
        let allocated = connection
            .prepare_cached("SELECT 1 FROM allocations WHERE list = ?1 AND idx = ?2")
            .and_then(|mut statement| {
                statement
                    .query_row((list, sql_index), |_| Ok(()))
                    .optional()
            })
            .map_err(store_error(&doing))?;
        if allocated.is_none() {
            list_entries(&connection, list)?;
            return Err(StatusError::Store(format!(
                "{doing}: the index is not allocated"
            )));
        }
        let result = if value == 0 {
            connection
                .prepare_cached("DELETE FROM entry_values WHERE list = ?1 AND idx = ?2")
                .and_then(|mut statement| statement.execute((list, sql_index)))
        } else {
            connection
                .prepare_cached(
                    "INSERT INTO entry_values (list, idx, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (list, idx) DO UPDATE SET value = excluded.value",
                )
                .and_then(|mut statement| statement.execute((list, sql_index, value)))
        };
        result.map(drop).map_err(store_error(&doing))
    }

    fn values(&self, list: &str) -> Result<Vec<(u64, u8)>, StatusError> {
        let rows: Vec<(i64, i64)> = self
            .connection()
            .prepare_cached(
                "SELECT idx, value FROM entry_values WHERE list = ?1 AND value != 0 ORDER BY idx",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([list], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(store_error(format!(
                "cannot read the values of status list `{list}`"
            )))?;
        rows.into_iter()
            .map(|(index, value)| {
                let value = u8::try_from(value)
                    .map_err(|_| corrupt(format!("an entry of `{list}` has the value {value}")))?;
                Ok((from_sql_int(index, "an index")?, value))
            })
            .collect()
    }
}
