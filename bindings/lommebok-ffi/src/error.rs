//! [`LommebokError`]: the one error type of the bindings.

use lommebok::jws::JwsError;
use lommebok::key::KeyError;
use lommebok::sd_jwt::SdJwtError;
use lommebok::status::StatusError;
use lommebok::token_status::TokenStatusError;

/// Why a call could not be carried out. One variant per thing an app would do differently;
/// `reason` is for logs and developers, not for matching on.
///
/// A credential or presentation that is read and found invalid is not an error: verification
/// returns a [`crate::VerificationReport`].
///
/// (The text field is called `reason`, not `message`: Kotlin exceptions already have a
/// `message` property, and a field of that name would not compile.)
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum LommebokError {
    /// The input cannot be used: malformed or oversized JSON, not a credential or presentation,
    /// a context that is neither bundled nor registered, bad key bytes or key document, a bad
    /// date or URL, a cryptosuite that does not fit the key, a credential for someone else.
    /// Fix the input; retrying the same call fails the same way.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: String,
    },
    /// The signer failed: the platform keystore refused or is unavailable, the user did not
    /// authenticate, or the signer returned something that is not a valid signature by its
    /// key. The app may retry, or ask the user to authenticate again.
    #[error("signing failed: {reason}")]
    Signing {
        /// What the signer said.
        reason: String,
    },
    /// A status operation failed: the credential has no entry of that purpose, the list is
    /// unknown or full, the issuer has no status registry, or the status store failed.
    #[error("status: {reason}")]
    Status {
        /// What failed.
        reason: String,
    },
    /// The passphrase or key does not open this wallet store. Nothing was read or changed: ask
    /// again.
    #[error("{reason}")]
    WrongKey {
        /// What failed.
        reason: String,
    },
    /// The wallet store failed: the file is not a wallet store, is damaged, or cannot be
    /// written (a full disk, no permission).
    #[error("wallet storage: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// A failure inside lommebok that the caller cannot fix; worth a bug report.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl LommebokError {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        LommebokError::InvalidInput {
            reason: reason.into(),
        }
    }

    pub(crate) fn signing(reason: impl Into<String>) -> Self {
        LommebokError::Signing {
            reason: reason.into(),
        }
    }

    /// The text, without the variant's prefix.
    pub(crate) fn into_reason(self) -> String {
        match self {
            LommebokError::InvalidInput { reason }
            | LommebokError::Signing { reason }
            | LommebokError::Status { reason }
            | LommebokError::WrongKey { reason }
            | LommebokError::Storage { reason }
            | LommebokError::Internal { reason } => reason,
        }
    }
}

impl From<lommebok::Error> for LommebokError {
    fn from(error: lommebok::Error) -> Self {
        let reason = error.to_string();
        if error.is_signing_failure() {
            return LommebokError::Signing { reason };
        }
        match error {
            lommebok::Error::Status(e) => e.into(),
            lommebok::Error::TokenStatus(e) => e.into(),
            // A signer's failure while signing a JWT, should one arrive wrapped.
            lommebok::Error::SdJwt(SdJwtError::Jws(JwsError::Key(key))) => key.into(),
            lommebok::Error::NoStatusRegistry => LommebokError::Status { reason },
            lommebok::Error::Json(_)
            | lommebok::Error::Credential(_)
            | lommebok::Error::Key(_)
            | lommebok::Error::Did(_)
            | lommebok::Error::Proof(_)
            | lommebok::Error::Context(_)
            | lommebok::Error::SdJwt(_)
            | lommebok::Error::IssuerMismatch { .. }
            | lommebok::Error::NotForHolder { .. } => LommebokError::InvalidInput { reason },
            // A kind of error added to the core later: not the caller's to fix until mapped.
            _ => LommebokError::Internal { reason },
        }
    }
}

impl From<KeyError> for LommebokError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Signing(reason) => LommebokError::Signing { reason },
            other => LommebokError::invalid(other.to_string()),
        }
    }
}

impl From<StatusError> for LommebokError {
    fn from(error: StatusError) -> Self {
        match error {
            // A URL that is not one, a purpose or size the spec forbids: the caller's input.
            StatusError::Malformed(_) => LommebokError::invalid(error.to_string()),
            other => LommebokError::Status {
                reason: other.to_string(),
            },
        }
    }
}

impl From<TokenStatusError> for LommebokError {
    fn from(error: TokenStatusError) -> Self {
        match error {
            // A URL that is not a URI, a validity that ends before it starts: the caller's input.
            TokenStatusError::Malformed(_) => LommebokError::invalid(error.to_string()),
            TokenStatusError::Jws(JwsError::Key(key)) => key.into(),
            other => LommebokError::Status {
                reason: other.to_string(),
            },
        }
    }
}

/// A foreign [`crate::Signer`] that throws anything other than a `LommebokError` (e.g. a
/// `KeyPermanentlyInvalidatedException` on Android, an `NSError` on iOS) arrives as
/// [`LommebokError::Signing`].
impl From<uniffi::UnexpectedUniFFICallbackError> for LommebokError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // Foreign runtimes put a whole stack trace here; the first line says what happened.
        let reason = error
            .reason
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        LommebokError::Signing { reason }
    }
}
