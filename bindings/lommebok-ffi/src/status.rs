//! The issuer's status lists (Bitstring Status List v1.0): [`StatusRegistry`].

use std::sync::Arc;

use crate::LommebokError;

/// What a status list says about the credentials in it (`statusPurpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum StatusPurpose {
    /// Permanently withdrawn.
    Revocation,
    /// Temporarily withdrawn; may be reinstated.
    Suspension,
    /// A status message: `status_size` bits per entry, each value with its message (see
    /// [`StatusRegistry::create_message_list`]).
    Message,
    /// A newer version of the credential is available.
    Refresh,
}

impl From<StatusPurpose> for lommebok::status::StatusPurpose {
    fn from(purpose: StatusPurpose) -> Self {
        match purpose {
            StatusPurpose::Revocation => lommebok::status::StatusPurpose::Revocation,
            StatusPurpose::Suspension => lommebok::status::StatusPurpose::Suspension,
            StatusPurpose::Message => lommebok::status::StatusPurpose::Message,
            StatusPurpose::Refresh => lommebok::status::StatusPurpose::Refresh,
        }
    }
}

impl From<lommebok::status::StatusPurpose> for StatusPurpose {
    fn from(purpose: lommebok::status::StatusPurpose) -> Self {
        match purpose {
            lommebok::status::StatusPurpose::Revocation => StatusPurpose::Revocation,
            lommebok::status::StatusPurpose::Suspension => StatusPurpose::Suspension,
            lommebok::status::StatusPurpose::Message => StatusPurpose::Message,
            lommebok::status::StatusPurpose::Refresh => StatusPurpose::Refresh,
        }
    }
}

/// What one value of a message list means (`statusMessage`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatusMessage {
    /// The value.
    pub status: u8,
    /// Its meaning, e.g. "pending_review".
    pub message: String,
}

/// One status entry of a credential, as the issuer's registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialStatus {
    /// The URL of the status list credential.
    pub list_url: String,
    /// The list's purpose.
    pub purpose: StatusPurpose,
    /// The credential's index in the list.
    pub index: u64,
    /// The current value: 0 is "not revoked" / "not suspended", 1 is revoked / suspended.
    pub value: u8,
    /// What the value means, for lists with status messages.
    pub message: Option<String>,
}

impl From<lommebok::status::CredentialStatus> for CredentialStatus {
    fn from(status: lommebok::status::CredentialStatus) -> Self {
        CredentialStatus {
            list_url: status.list,
            purpose: status.purpose.into(),
            index: status.index,
            value: status.value,
            message: status.message,
        }
    }
}

/// Where an issuer keeps its status lists: which index each credential has, and which are
/// revoked or suspended. Give it to [`crate::Issuer::with_status`].
#[derive(Debug, uniffi::Object)]
pub struct StatusRegistry {
    pub(crate) inner: lommebok::status::StatusRegistry,
}

#[uniffi::export]
impl StatusRegistry {
    /// A registry in memory: nothing survives the process (tests, demos).
    #[uniffi::constructor]
    pub fn in_memory() -> Arc<Self> {
        Arc::new(StatusRegistry {
            inner: lommebok::status::StatusRegistry::in_memory(),
        })
    }

    /// A registry in a SQLite database file at `path`, created if it does not exist: what an
    /// issuer needs, since an index must never be handed out twice.
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the file cannot be opened or created, or is not a
    /// lommebok status database.
    #[uniffi::constructor]
    pub fn open_sqlite(path: String) -> Result<Arc<Self>, LommebokError> {
        let store = lommebok_sqlite::SqliteStatusStore::open(&path)?;
        Ok(Arc::new(StatusRegistry {
            inner: lommebok::status::StatusRegistry::new(Arc::new(store)),
        }))
    }

    /// Creates a list of single-bit `purpose` entries (131,072 of them, as the spec's minimum)
    /// published at `url`.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when `url` is not a URL or `purpose` is `Message`
    /// (which needs status messages); [`LommebokError::Status`] when a list with this URL
    /// exists or the store fails.
    pub fn create_list(&self, url: String, purpose: StatusPurpose) -> Result<(), LommebokError> {
        self.inner.create_list(&url, purpose.into())?;
        Ok(())
    }

    /// Creates a `message` list at `url`: `status_size` bits per entry (1 to 8), with one
    /// message for each of the 2^`status_size` values, and optional `statusReference` URLs.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the messages do not cover every value exactly once
    /// or the size is out of range; [`LommebokError::Status`] when the list exists or the store
    /// fails.
    pub fn create_message_list(
        &self,
        url: String,
        status_size: u8,
        messages: Vec<StatusMessage>,
        reference: Vec<String>,
    ) -> Result<(), LommebokError> {
        self.inner
            .create_list_with(lommebok::status::StatusListInfo {
                url,
                purpose: lommebok::status::StatusPurpose::Message,
                size: status_size,
                entries: lommebok::status::MIN_ENTRIES,
                messages: messages
                    .into_iter()
                    .map(|m| lommebok::status::StatusMessage {
                        status: m.status,
                        message: m.message,
                    })
                    .collect(),
                reference,
            })?;
        Ok(())
    }

    /// Sets the credential's value in its list of `purpose` (for a message list: the status
    /// value whose message applies now). Verifiers see it once the list is published again.
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the credential has no entry of that purpose or the store
    /// fails; [`LommebokError::InvalidInput`] when the value does not fit the list.
    pub fn set_status(
        &self,
        credential_id: String,
        purpose: StatusPurpose,
        value: u8,
    ) -> Result<(), LommebokError> {
        self.inner.set(&credential_id, purpose.into(), value)?;
        Ok(())
    }

    /// The URLs of the lists the registry keeps (so an app can create its lists only once).
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the store fails.
    pub fn list_urls(&self) -> Result<Vec<String>, LommebokError> {
        Ok(self
            .inner
            .lists()?
            .into_iter()
            .map(|list| list.url)
            .collect())
    }

    /// The status entries of the credential with id `credential_id`, one per list it is in
    /// (empty when it has none).
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the store fails.
    pub fn status_of(&self, credential_id: String) -> Result<Vec<CredentialStatus>, LommebokError> {
        Ok(self
            .inner
            .status_of(&credential_id)?
            .into_iter()
            .map(CredentialStatus::from)
            .collect())
    }
}
