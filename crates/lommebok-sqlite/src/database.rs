//! What the status store and the wallet storage share: opening a lommebok SQLite file (the
//! pragmas, the `application_id` / `user_version` checks, schema creation under the write lock)
//! and SQLite's errors in words a person can act on. Errors are text here; each store wraps
//! them in its own error type.

use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

/// How long a writer waits for another process's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// One kind of lommebok database.
pub(crate) struct Kind {
    /// How messages name it: "status database", "wallet".
    pub name: &'static str,
    /// Its `PRAGMA application_id`, so that no other file is taken for it.
    pub application_id: i64,
    /// The schema version this crate writes (`PRAGMA user_version`).
    pub version: i64,
    /// The schema, version 1.
    pub schema: &'static str,
    /// Whether it uses foreign keys.
    pub foreign_keys: bool,
}

/// SQLite's message, with a hint for the failures a person can do something about.
pub(crate) fn describe(error: &rusqlite::Error) -> String {
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

/// "what was being done: what SQLite said".
fn failed(doing: &str) -> impl FnOnce(rusqlite::Error) -> String + '_ {
    move |error| format!("{doing}: {}", describe(&error))
}

/// Sets the pragmas (WAL when `wal`, `synchronous = FULL`, foreign keys if the kind uses them)
/// and creates or checks the schema of `kind`.
pub(crate) fn configure(connection: &mut Connection, kind: &Kind, wal: bool) -> Result<(), String> {
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(failed("cannot set the busy timeout"))?;
    // The first statements read the file's header: a file that is not a database fails here.
    let application_id: i64 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(failed("cannot read the database header"))?;
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(failed("cannot read the schema version"))?;
    if application_id != kind.application_id && (application_id != 0 || version != 0) {
        return Err(format!(
            "the file is a SQLite database of another application, not a lommebok {}",
            kind.name
        ));
    }
    if version > kind.version {
        return Err(format!(
            "the {} has schema version {version}, newer than this lommebok-sqlite knows ({}): \
             upgrade lommebok",
            kind.name, kind.version
        ));
    }
    if wal {
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(failed("cannot switch to WAL journal mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "the database cannot use WAL journal mode (it uses `{mode}`)"
            ));
        }
    }
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(failed("cannot set synchronous = FULL"))?;
    if kind.foreign_keys {
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(failed("cannot enable foreign keys"))?;
    }
    if version < kind.version {
        create_schema(connection, kind)?;
    }
    Ok(())
}

/// Creates schema version 1 in one transaction. Another process may be doing the same: the
/// write lock is taken first and the version read again under it.
fn create_schema(connection: &mut Connection, kind: &Kind) -> Result<(), String> {
    let doing = format!("cannot create the {} schema", kind.name);
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed(&doing))?;
    let version: i64 = transaction
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(failed(&doing))?;
    if version == 0 {
        let tables: i64 = transaction
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |row| row.get(0),
            )
            .map_err(failed(&doing))?;
        if tables != 0 {
            return Err(format!(
                "the file is a SQLite database with tables of its own, not a lommebok {}",
                kind.name
            ));
        }
        transaction
            .execute_batch(kind.schema)
            .map_err(failed(&doing))?;
        transaction
            .pragma_update(None, "application_id", kind.application_id)
            .map_err(failed(&doing))?;
        transaction
            .pragma_update(None, "user_version", kind.version)
            .map_err(failed(&doing))?;
    }
    transaction.commit().map_err(failed(&doing))
}
