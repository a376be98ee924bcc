//! The wallet's encrypted store: credentials, holder keys and the activity log, sealed record
//! by record.
//!
//! Three layers:
//!
//! - [`Storage`] keeps opaque records, each under a *kind* and an *id*: `put` (replacing),
//!   `get`, `delete`, `list` by kind. Every call is atomic and durable when it returns. The store
//!   never hands it anything in clear except the key parameters record (a KDF's salt and costs).
//!   [`MemoryStorage`] keeps records in memory (for tests); `lommebok-sqlite` has a SQLite file.
//! - [`StoreKey`] yields the 32-byte store key. In an app it is a key held by the platform
//!   keystore (Keychain, Android Keystore); [`PassphraseKey`] is the software default, Argon2id
//!   over a passphrase.
//! - [`WalletStore`] seals and opens typed records with that key.
//!
//! ```
//! use std::sync::Arc;
//!
//! use lommebok::wallet::store::{
//!     Argon2Params, CredentialFormat, MemoryStorage, PassphraseKey, WalletStore,
//! };
//!
//! # fn main() -> Result<(), lommebok::wallet::store::StoreError> {
//! let storage = Arc::new(MemoryStorage::new());
//! # let key = PassphraseKey::new("correct horse battery staple")
//! #     .with_params(Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 })?;
//! # /*
//! let key = PassphraseKey::new("correct horse battery staple");
//! # */
//! let store = WalletStore::open(storage, &key)?;
//! let id = store.add_credential(CredentialFormat::SdJwt, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~")?;
//! let credential = store.credential(&id)?.expect("just stored");
//! assert_eq!(credential.data, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~");
//! # Ok(())
//! # }
//! ```
//!
//! # Sealing
//!
//! A sealed record is `0x01` (the format version) ‖ a random 24-byte nonce ‖ the
//! XChaCha20-Poly1305 ciphertext with its 16-byte tag. 24-byte nonces are drawn at random from
//! the operating system: at that size random nonces never repeat in practice (a collision is
//! expected after about 2⁹⁶ records), so no counter has to be kept, or survive a crash.
//!
//! The associated data binds a record to where it is stored:
//! `"lommebok-wallet-store" ‖ 0x00 ‖ 0x01 ‖ len(kind) ‖ kind ‖ len(id) ‖ id`, the lengths as
//! 4-byte big-endian integers (so no two (kind, id) pairs give the same bytes). A record copied
//! or moved to another id or kind, or two records swapped, fail to open:
//! [`StoreError::Tampered`]. (What the AEAD cannot tell is an *older* record of the same id put
//! back, e.g. from a backup of the file: that needs a counter kept outside the file.)
//!
//! # Opening and the key check
//!
//! [`WalletStore::open`] reads the key parameters record and a *key check* record (a known
//! value sealed with the store key). A wrong passphrase or key fails to open the key check:
//! [`StoreError::WrongKey`], and nothing is written. A new, empty storage gets both records.
//!
//! # Damaged records
//!
//! Reading one record that does not open reports it: [`StoreError::Tampered`] with its id.
//! Listing never fails because of one damaged record: a [`Listing`] has the records that opened
//! and, beside them, an error for each that did not, so the app shows the rest and warns.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use argon2::Argon2;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::key::SoftwareKey;

/// Errors from the wallet store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The passphrase or key does not open this store. Nothing was read or written.
    #[error("wrong passphrase or key for this wallet store")]
    WrongKey,
    /// The record does not open with the store key: its bytes were changed, or it was moved,
    /// copied or swapped from another id or kind.
    #[error("wallet record `{id}` has been tampered with or damaged")]
    Tampered {
        /// The record's id.
        id: String,
    },
    /// The store holds something this version never writes (e.g. a record that opens but is
    /// not what its kind says, or unreadable key parameters).
    #[error("the wallet store is damaged: {0}")]
    Corrupt(String),
    /// The storage failed (a file that is not a database, a full disk, …).
    #[error("wallet storage error: {0}")]
    Store(String),
    /// The [`StoreKey`] could not give the key (e.g. a platform keystore refused), or the key
    /// parameters asked for are out of range.
    #[error("wallet store key error: {0}")]
    Key(String),
    /// An argument is not acceptable (an empty id, a credential that is not of its format).
    #[error("invalid wallet record: {0}")]
    Invalid(String),
}

/// Where sealed records are kept: opaque bytes under a kind and an id.
///
/// Every call is atomic (a record is all there or not at all, also after a crash or power cut)
/// and durable (committed before it returns).
pub trait Storage: Send + Sync {
    /// Stores `record` under (`kind`, `id`), replacing what was there.
    ///
    /// # Errors
    /// [`StoreError::Store`] when the storage fails.
    fn put(&self, kind: &str, id: &str, record: &[u8]) -> Result<(), StoreError>;

    /// The record under (`kind`, `id`), if there is one.
    ///
    /// # Errors
    /// [`StoreError::Store`] when the storage fails.
    fn get(&self, kind: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Deletes the record under (`kind`, `id`); `false` when there was none.
    ///
    /// # Errors
    /// [`StoreError::Store`] when the storage fails.
    fn delete(&self, kind: &str, id: &str) -> Result<bool, StoreError>;

    /// Every record of `kind` as (id, record), ordered by id.
    ///
    /// # Errors
    /// [`StoreError::Store`] when the storage fails.
    fn list(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
}

/// A [`Storage`] in memory: nothing survives it. For tests.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    records: Mutex<BTreeMap<(String, String), Vec<u8>>>,
}

impl MemoryStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> MutexGuard<'_, BTreeMap<(String, String), Vec<u8>>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Storage for MemoryStorage {
    fn put(&self, kind: &str, id: &str, record: &[u8]) -> Result<(), StoreError> {
        self.records()
            .insert((kind.to_owned(), id.to_owned()), record.to_vec());
        Ok(())
    }

    fn get(&self, kind: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .records()
            .get(&(kind.to_owned(), id.to_owned()))
            .cloned())
    }

    fn delete(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .records()
            .remove(&(kind.to_owned(), id.to_owned()))
            .is_some())
    }

    fn list(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .records()
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, id), record)| (id.clone(), record.clone()))
            .collect())
    }
}

/// Gives the 32-byte key a [`WalletStore`] seals its records with.
///
/// A platform keystore implements [`StoreKey::store_key`] and ignores the parameters; a key
/// derived from a passphrase ([`PassphraseKey`]) records its salt and costs in them.
pub trait StoreKey: Send + Sync {
    /// The parameters to record, in clear, when a store is created (e.g. a KDF's salt and
    /// costs). None by default.
    ///
    /// # Errors
    /// [`StoreError::Key`] when they cannot be made.
    fn new_params(&self) -> Result<Vec<u8>, StoreError> {
        Ok(Vec::new())
    }

    /// The store key, given the parameters recorded when the store was created.
    ///
    /// # Errors
    /// [`StoreError::Key`] when the key is not available; [`StoreError::Corrupt`] when the
    /// parameters are not readable.
    fn store_key(&self, params: &[u8]) -> Result<Zeroizing<[u8; 32]>, StoreError>;
}

/// Argon2id costs (RFC 9106).
///
/// The default is OWASP's recommendation for Argon2id, which is also RFC 9106's guidance for
/// memory-constrained devices: 19 MiB of memory (`m` = 19456 KiB), 2 passes (`t`), one lane
/// (`p`). They are recorded with each store, so a later version can raise them for new stores
/// (and re-seal old ones) without losing the old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory, in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over the memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// The most memory a recorded parameter set may ask for (1 GiB): parameters read from a file
/// are bounded, so a damaged file cannot make the app allocate without limit.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
/// The most passes a recorded parameter set may ask for.
const MAX_ITERATIONS: u32 = 64;
/// The most lanes a recorded parameter set may ask for.
const MAX_PARALLELISM: u32 = 64;
/// The salt: 16 random bytes, as RFC 9106 recommends.
const SALT_LEN: usize = 16;

impl Argon2Params {
    fn to_argon2(self) -> Result<argon2::Params, StoreError> {
        if self.memory_kib > MAX_MEMORY_KIB
            || self.iterations > MAX_ITERATIONS
            || self.parallelism > MAX_PARALLELISM
        {
            return Err(StoreError::Key(format!(
                "Argon2 parameters m={} t={} p={} are above the limits (m ≤ {MAX_MEMORY_KIB}, \
                 t ≤ {MAX_ITERATIONS}, p ≤ {MAX_PARALLELISM})",
                self.memory_kib, self.iterations, self.parallelism
            )));
        }
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32)).map_err(
            |e| {
                StoreError::Key(format!(
                    "Argon2 parameters m={} t={} p={} are not valid: {e}",
                    self.memory_kib, self.iterations, self.parallelism
                ))
            },
        )
    }
}

/// The key parameters record of a [`PassphraseKey`] store.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PassphraseParams {
    /// Always `argon2id`.
    kdf: String,
    /// Argon2 version: 19 (0x13).
    version: u32,
    /// Memory in KiB.
    m_cost: u32,
    /// Passes.
    t_cost: u32,
    /// Lanes.
    p_cost: u32,
    /// The salt, base64url without padding.
    salt: String,
}

impl PassphraseParams {
    fn parse(bytes: &[u8]) -> Result<(Argon2Params, Vec<u8>), StoreError> {
        let bad = |why: &str| StoreError::Corrupt(format!("the key parameters record {why}"));
        let params: PassphraseParams = serde_json::from_slice(bytes)
            .map_err(|_| bad("is not a passphrase key's (Argon2id) parameters"))?;
        if params.kdf != "argon2id" || params.version != 0x13 {
            return Err(bad("names a key derivation this version does not know"));
        }
        let salt = URL_SAFE_NO_PAD
            .decode(params.salt.as_bytes())
            .map_err(|_| bad("has a salt that is not base64url"))?;
        if salt.len() < argon2::MIN_SALT_LEN || salt.len() > 64 {
            return Err(bad("has a salt of the wrong length"));
        }
        let costs = Argon2Params {
            memory_kib: params.m_cost,
            iterations: params.t_cost,
            parallelism: params.p_cost,
        };
        Ok((costs, salt))
    }
}

/// The software [`StoreKey`]: Argon2id over a passphrase, with a random salt and the costs
/// recorded in the store. The passphrase and the derived key are zeroized on drop.
pub struct PassphraseKey {
    passphrase: Zeroizing<String>,
    params: Argon2Params,
}

impl fmt::Debug for PassphraseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassphraseKey")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PassphraseKey {
    /// A key from `passphrase`, with the default (strong) [`Argon2Params`] for new stores.
    pub fn new(passphrase: impl Into<String>) -> Self {
        PassphraseKey {
            passphrase: Zeroizing::new(passphrase.into()),
            params: Argon2Params::default(),
        }
    }

    /// Uses `params` for stores created with this key. (A store that exists keeps the
    /// parameters it was created with.)
    ///
    /// # Errors
    /// [`StoreError::Key`] when Argon2 does not accept them or they are above the limits.
    pub fn with_params(mut self, params: Argon2Params) -> Result<Self, StoreError> {
        params.to_argon2()?;
        self.params = params;
        Ok(self)
    }

    /// The Argon2 costs recorded in `storage`, or `None` for a store not yet created.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the record is not a passphrase key's; storage errors.
    pub fn recorded_params(storage: &dyn Storage) -> Result<Option<Argon2Params>, StoreError> {
        match storage.get(META, KEY_PARAMS)? {
            Some(bytes) => Ok(Some(PassphraseParams::parse(&bytes)?.0)),
            None => Ok(None),
        }
    }
}

impl StoreKey for PassphraseKey {
    fn new_params(&self) -> Result<Vec<u8>, StoreError> {
        let mut salt = [0u8; SALT_LEN];
        random(&mut salt)?;
        let params = PassphraseParams {
            kdf: "argon2id".into(),
            version: 0x13,
            m_cost: self.params.memory_kib,
            t_cost: self.params.iterations,
            p_cost: self.params.parallelism,
            salt: URL_SAFE_NO_PAD.encode(salt),
        };
        serde_json::to_vec(&params)
            .map_err(|e| StoreError::Key(format!("cannot write the key parameters: {e}")))
    }

    fn store_key(&self, params: &[u8]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let (costs, salt) = PassphraseParams::parse(params)?;
        let argon2 = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            costs.to_argon2()?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        argon2
            .hash_password_into(self.passphrase.as_bytes(), &salt, key.as_mut())
            .map_err(|e| StoreError::Key(format!("Argon2 failed: {e}")))?;
        Ok(key)
    }
}

/// A raw 32-byte key as a [`StoreKey`] (e.g. one unwrapped by a platform keystore). Zeroized on
/// drop.
pub struct RawKey(Zeroizing<[u8; 32]>);

impl RawKey {
    /// Wraps `key`.
    pub fn new(key: [u8; 32]) -> Self {
        let mut key = key;
        let wrapped = RawKey(Zeroizing::new(key));
        zeroize::Zeroize::zeroize(&mut key);
        wrapped
    }
}

impl fmt::Debug for RawKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawKey(…)")
    }
}

impl StoreKey for RawKey {
    fn store_key(&self, _params: &[u8]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        Ok(self.0.clone())
    }
}

/// The kind of the store's own records: the key parameters (in clear) and the key check.
pub const META: &str = "store";
/// The kind of credential records.
pub const CREDENTIAL: &str = "credential";
/// The kind of software holder key records.
pub const HOLDER_KEY: &str = "holder-key";
/// The kind of activity log records.
pub const ACTIVITY: &str = "activity";
/// The kind of the app's own sealed settings (e.g. which holder key the wallet uses).
pub const SETTING: &str = "setting";

/// The kinds of the wallet's own records (every kind but the store's [`META`] records).
pub const RECORD_KINDS: [&str; 4] = [CREDENTIAL, HOLDER_KEY, ACTIVITY, SETTING];

const KEY_PARAMS: &str = "key-params";
const KEY_CHECK: &str = "key-check";
const KEY_CHECK_VALUE: &[u8] = b"lommebok wallet store key check v1";

const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const AAD_LABEL: &[u8] = b"lommebok-wallet-store";
/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 512;

fn random(bytes: &mut [u8]) -> Result<(), StoreError> {
    OsRng
        .try_fill_bytes(bytes)
        .map_err(|e| StoreError::Key(format!("the system's random number generator failed: {e}")))
}

/// The associated data of record (`kind`, `id`): see the module documentation.
fn associated_data(kind: &str, id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + 10 + kind.len() + id.len());
    aad.extend_from_slice(AAD_LABEL);
    aad.push(0);
    aad.push(FORMAT_VERSION);
    for part in [kind, id] {
        // Kinds are this module's constants and ids are at most MAX_ID_LEN bytes.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        aad.extend_from_slice(&len.to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// Whether `storage` holds a record of any of [`RECORD_KINDS`].
fn holds_records(storage: &dyn Storage) -> Result<bool, StoreError> {
    for kind in RECORD_KINDS {
        if !storage.list(kind)?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn check_id(id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "an id must be 1 to {MAX_ID_LEN} bytes without control characters"
        )));
    }
    Ok(())
}

/// The format of a stored credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CredentialFormat {
    /// A W3C Verifiable Credential secured with Data Integrity, as JSON.
    #[serde(rename = "data-integrity")]
    DataIntegrity,
    /// An SD-JWT VC in compact form (`<JWT>~<disclosure>~…~`).
    #[serde(rename = "sd-jwt")]
    SdJwt,
}

/// A credential as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// The record's id.
    pub id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// The credential: JSON text, or the SD-JWT compact serialization.
    pub data: String,
}

/// An entry of the activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// The record's id: it sorts in the order entries were added.
    pub id: String,
    /// The entry, as the app wrote it.
    pub entry: Value,
}

/// The records of one kind that opened, and an error for each that did not.
#[derive(Debug)]
pub struct Listing<T> {
    /// The records that opened, ordered by id.
    pub records: Vec<T>,
    /// One error per record that did not open (usually [`StoreError::Tampered`]), ordered by
    /// id.
    pub damaged: Vec<StoreError>,
}

/// A record opened: its kind, its id and its plaintext (zeroized on drop), as
/// [`WalletStore::records`] gives it for a backup.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// One of [`RECORD_KINDS`].
    pub kind: String,
    /// The record's id.
    pub id: String,
    /// The record's plaintext: what the typed accessors decode.
    pub plaintext: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The plaintext of a credential record.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialRecord {
    format: CredentialFormat,
    data: String,
}

/// The wallet's records, sealed with the store key over a [`Storage`].
pub struct WalletStore {
    storage: Arc<dyn Storage>,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for WalletStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalletStore").finish_non_exhaustive()
    }
}

impl WalletStore {
    /// Opens the store in `storage` with `key`, or creates it when `storage` is empty.
    ///
    /// # Errors
    /// [`StoreError::WrongKey`] when `key` does not open the store (nothing is written);
    /// [`StoreError::Corrupt`] when the store's own records are missing or unreadable;
    /// [`StoreError::Key`] and storage errors.
    pub fn open(storage: Arc<dyn Storage>, key: &dyn StoreKey) -> Result<Self, StoreError> {
        let params = storage.get(META, KEY_PARAMS)?;
        let check = storage.get(META, KEY_CHECK)?;
        match (params, check) {
            (Some(params), Some(check)) => {
                let store = WalletStore {
                    key: key.store_key(&params)?,
                    storage,
                };
                match store.open_sealed(META, KEY_CHECK, &check) {
                    Ok(value) if value.as_slice() == KEY_CHECK_VALUE => Ok(store),
                    _ => Err(StoreError::WrongKey),
                }
            }
            (None, Some(_)) => Err(StoreError::Corrupt(
                "the key check is there but the key parameters are missing".into(),
            )),
            (params, None) => {
                if holds_records(storage.as_ref())? {
                    return Err(StoreError::Corrupt(
                        "the store has records but no key check".into(),
                    ));
                }
                // A new store. Parameters left by a creation that stopped half-way are used.
                let params = match params {
                    Some(params) => params,
                    None => {
                        let params = key.new_params()?;
                        storage.put(META, KEY_PARAMS, &params)?;
                        params
                    }
                };
                let store = WalletStore {
                    key: key.store_key(&params)?,
                    storage,
                };
                let check = store.seal(META, KEY_CHECK, KEY_CHECK_VALUE)?;
                store.storage.put(META, KEY_CHECK, &check)?;
                Ok(store)
            }
        }
    }

    /// The storage under the store.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    fn cipher(&self) -> Result<XChaCha20Poly1305, StoreError> {
        XChaCha20Poly1305::new_from_slice(self.key.as_slice())
            .map_err(|_| StoreError::Key("the store key is not 32 bytes".into()))
    }

    /// Seals `plaintext` as record (`kind`, `id`).
    fn seal(&self, kind: &str, id: &str, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        random(&mut nonce)?;
        let aad = associated_data(kind, id);
        let ciphertext = self
            .cipher()?
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Key("cannot seal the record".into()))?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Opens record (`kind`, `id`): [`StoreError::Tampered`] when it does not.
    fn open_sealed(
        &self,
        kind: &str,
        id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let tampered = || StoreError::Tampered { id: id.to_owned() };
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT_VERSION {
            return Err(tampered());
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
        let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| tampered())?;
        let aad = associated_data(kind, id);
        self.cipher()?
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| tampered())
    }

    fn put_sealed(&self, kind: &str, id: &str, plaintext: &[u8]) -> Result<(), StoreError> {
        check_id(id)?;
        let sealed = self.seal(kind, id, plaintext)?;
        self.storage.put(kind, id, &sealed)
    }

    fn get_opened(&self, kind: &str, id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        match self.storage.get(kind, id)? {
            Some(sealed) => self.open_sealed(kind, id, &sealed).map(Some),
            None => Ok(None),
        }
    }

    fn list_opened<T>(
        &self,
        kind: &str,
        decode: impl Fn(&str, &[u8]) -> Result<T, StoreError>,
    ) -> Result<Listing<T>, StoreError> {
        let mut listing = Listing {
            records: Vec::new(),
            damaged: Vec::new(),
        };
        for (id, sealed) in self.storage.list(kind)? {
            match self
                .open_sealed(kind, &id, &sealed)
                .and_then(|plain| decode(&id, &plain))
            {
                Ok(record) => listing.records.push(record),
                Err(error) => listing.damaged.push(error),
            }
        }
        Ok(listing)
    }

    /// Every record of every kind ([`RECORD_KINDS`]), opened, ordered by kind then id: the
    /// whole wallet, record by record (for a backup).
    ///
    /// # Errors
    /// [`StoreError::Tampered`] naming the first record that does not open (a backup leaves
    /// nothing out silently); storage errors.
    pub fn records(&self) -> Result<Vec<Record>, StoreError> {
        let mut records = Vec::new();
        for kind in RECORD_KINDS {
            for (id, sealed) in self.storage.list(kind)? {
                let plaintext = self.open_sealed(kind, &id, &sealed)?;
                records.push(Record {
                    kind: kind.to_owned(),
                    id,
                    plaintext,
                });
            }
        }
        Ok(records)
    }

    /// Whether the store holds no record of any kind (only its own key records).
    ///
    /// # Errors
    /// Storage errors.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(!holds_records(self.storage.as_ref())?)
    }

    /// Writes `records` (as [`WalletStore::records`] gave them, from another store) into this
    /// store, sealed with its key. The store must be empty, and every record of a known kind
    /// with a valid id; all are checked before the first is written.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the store is not empty or a record is not acceptable;
    /// storage errors (the records written until then stay).
    pub(crate) fn write_records(&self, records: &[Record]) -> Result<(), StoreError> {
        if !self.is_empty()? {
            return Err(StoreError::Invalid(
                "records are only restored into an empty store".into(),
            ));
        }
        for record in records {
            if !RECORD_KINDS.contains(&record.kind.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "no record kind `{}`",
                    record.kind
                )));
            }
            check_id(&record.id)?;
        }
        for record in records {
            self.put_sealed(&record.kind, &record.id, &record.plaintext)?;
        }
        Ok(())
    }

    // --- credentials ---

    /// Stores a credential under a new random id, which it returns.
    ///
    /// # Errors
    /// As [`WalletStore::put_credential`].
    pub fn add_credential(
        &self,
        format: CredentialFormat,
        data: &str,
    ) -> Result<String, StoreError> {
        let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
        self.put_credential(&id, format, data)?;
        Ok(id)
    }

    /// Stores a credential under `id`, replacing what was there. The data must look like its
    /// format: a JSON object for Data Integrity, a compact SD-JWT (`~`-separated, no
    /// whitespace) for SD-JWT.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad id or data; storage errors.
    pub fn put_credential(
        &self,
        id: &str,
        format: CredentialFormat,
        data: &str,
    ) -> Result<(), StoreError> {
        check_credential(format, data)?;
        let plaintext = Zeroizing::new(
            serde_json::to_vec(&CredentialRecord {
                format,
                data: data.to_owned(),
            })
            .map_err(|e| StoreError::Invalid(format!("cannot encode the credential: {e}")))?,
        );
        self.put_sealed(CREDENTIAL, id, &plaintext)
    }

    /// The credential under `id`, if there is one.
    ///
    /// # Errors
    /// [`StoreError::Tampered`] when its record does not open; storage errors.
    pub fn credential(&self, id: &str) -> Result<Option<StoredCredential>, StoreError> {
        self.get_opened(CREDENTIAL, id)?
            .map(|plain| decode_credential(id, &plain))
            .transpose()
    }

    /// Every credential, with the records that did not open reported apart.
    ///
    /// # Errors
    /// Storage errors only.
    pub fn credentials(&self) -> Result<Listing<StoredCredential>, StoreError> {
        self.list_opened(CREDENTIAL, decode_credential)
    }

    /// Deletes the credential under `id`; `false` when there was none.
    ///
    /// # Errors
    /// Storage errors.
    pub fn delete_credential(&self, id: &str) -> Result<bool, StoreError> {
        self.storage.delete(CREDENTIAL, id)
    }

    // --- holder keys ---

    /// Stores a software holder key (as Multikey JSON with its secret) under `id`, replacing
    /// what was there.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad id; storage errors.
    pub fn put_holder_key(&self, id: &str, key: &SoftwareKey) -> Result<(), StoreError> {
        let multikey = key.to_multikey_json();
        self.put_sealed(HOLDER_KEY, id, multikey.as_bytes())
    }

    /// The holder key under `id`, if there is one.
    ///
    /// # Errors
    /// [`StoreError::Tampered`] when its record does not open; storage errors.
    pub fn holder_key(&self, id: &str) -> Result<Option<SoftwareKey>, StoreError> {
        self.get_opened(HOLDER_KEY, id)?
            .map(|plain| decode_holder_key(id, &plain))
            .transpose()
    }

    /// Every holder key as (id, key), with the records that did not open reported apart.
    ///
    /// # Errors
    /// Storage errors only.
    pub fn holder_keys(&self) -> Result<Listing<(String, SoftwareKey)>, StoreError> {
        self.list_opened(HOLDER_KEY, |id, plain| {
            Ok((id.to_owned(), decode_holder_key(id, plain)?))
        })
    }

    /// Deletes the holder key under `id`; `false` when there was none.
    ///
    /// # Errors
    /// Storage errors.
    pub fn delete_holder_key(&self, id: &str) -> Result<bool, StoreError> {
        self.storage.delete(HOLDER_KEY, id)
    }

    // --- settings ---

    /// Stores the setting `id` (any JSON value), sealed, replacing what was there.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad id; storage errors.
    pub fn put_setting(&self, id: &str, value: &Value) -> Result<(), StoreError> {
        let plaintext = Zeroizing::new(
            serde_json::to_vec(value)
                .map_err(|e| StoreError::Invalid(format!("cannot encode the setting: {e}")))?,
        );
        self.put_sealed(SETTING, id, &plaintext)
    }

    /// The setting `id`, if there is one.
    ///
    /// # Errors
    /// [`StoreError::Tampered`] when its record does not open; [`StoreError::Corrupt`] when it
    /// is not JSON; storage errors.
    pub fn setting(&self, id: &str) -> Result<Option<Value>, StoreError> {
        self.get_opened(SETTING, id)?
            .map(|plain| {
                serde_json::from_slice(&plain)
                    .map_err(|_| StoreError::Corrupt(format!("setting `{id}` is not JSON")))
            })
            .transpose()
    }

    /// Stores the setting `id` given as JSON text (`json` must be JSON: [`WalletStore::setting`]
    /// reads it), so that a setting holding a secret never passes through a `Value` that is not
    /// zeroized.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad id; storage errors.
    pub(crate) fn put_setting_json(&self, id: &str, json: &[u8]) -> Result<(), StoreError> {
        self.put_sealed(SETTING, id, json)
    }

    /// The setting `id` as JSON text (zeroized on drop), if there is one.
    ///
    /// # Errors
    /// [`StoreError::Tampered`] when its record does not open; storage errors.
    pub(crate) fn setting_json(&self, id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.get_opened(SETTING, id)
    }

    // --- activity log ---

    /// Appends `entry` to the activity log; returns its id, which sorts after every earlier
    /// entry's (microseconds since 1970, then a random suffix).
    ///
    /// # Errors
    /// Storage errors.
    pub fn append_activity(&self, entry: &Value) -> Result<String, StoreError> {
        let micros = chrono::Utc::now().timestamp_micros().max(0);
        let id = format!("{micros:020}-{}", uuid::Uuid::new_v4().simple());
        let plaintext = Zeroizing::new(
            serde_json::to_vec(entry)
                .map_err(|e| StoreError::Invalid(format!("cannot encode the entry: {e}")))?,
        );
        self.put_sealed(ACTIVITY, &id, &plaintext)?;
        Ok(id)
    }

    /// The activity log, oldest first, with the records that did not open reported apart.
    ///
    /// # Errors
    /// Storage errors only.
    pub fn activity(&self) -> Result<Listing<ActivityEntry>, StoreError> {
        self.list_opened(ACTIVITY, |id, plain| {
            let entry = serde_json::from_slice(plain)
                .map_err(|_| StoreError::Corrupt(format!("activity entry `{id}` is not JSON")))?;
            Ok(ActivityEntry {
                id: id.to_owned(),
                entry,
            })
        })
    }

    /// Deletes the activity entry `id`; `false` when there was none.
    ///
    /// # Errors
    /// Storage errors.
    pub fn delete_activity(&self, id: &str) -> Result<bool, StoreError> {
        self.storage.delete(ACTIVITY, id)
    }
}

fn check_credential(format: CredentialFormat, data: &str) -> Result<(), StoreError> {
    let ok = match format {
        CredentialFormat::DataIntegrity => {
            matches!(serde_json::from_str::<Value>(data), Ok(Value::Object(_)))
        }
        CredentialFormat::SdJwt => {
            data.contains('~')
                && !data.starts_with('~')
                && data
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        }
    };
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(
            match format {
                CredentialFormat::DataIntegrity => {
                    "a Data Integrity credential must be a JSON object"
                }
                CredentialFormat::SdJwt => "an SD-JWT must be in compact form (`<JWT>~…~`)",
            }
            .into(),
        ))
    }
}

fn decode_credential(id: &str, plain: &[u8]) -> Result<StoredCredential, StoreError> {
    let record: CredentialRecord = serde_json::from_slice(plain)
        .map_err(|_| StoreError::Corrupt(format!("credential `{id}` is not readable")))?;
    Ok(StoredCredential {
        id: id.to_owned(),
        format: record.format,
        data: record.data,
    })
}

fn decode_holder_key(id: &str, plain: &[u8]) -> Result<SoftwareKey, StoreError> {
    let text = std::str::from_utf8(plain)
        .map_err(|_| StoreError::Corrupt(format!("holder key `{id}` is not readable")))?;
    SoftwareKey::from_multikey_json(text)
        .map_err(|_| StoreError::Corrupt(format!("holder key `{id}` is not a Multikey")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associated_data_is_unambiguous() {
        assert_ne!(associated_data("ab", "c"), associated_data("a", "bc"));
        assert_ne!(
            associated_data("credential", "x"),
            associated_data("activity", "x")
        );
    }

    #[test]
    fn default_params_are_the_strong_ones() {
        let params = Argon2Params::default();
        assert_eq!(
            (params.memory_kib, params.iterations, params.parallelism),
            (19456, 2, 1)
        );
        assert!(params.to_argon2().is_ok());
    }

    #[test]
    fn absurd_params_are_refused_not_allocated() {
        let params = Argon2Params {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1,
        };
        assert!(matches!(params.to_argon2(), Err(StoreError::Key(_))));
        let zero = Argon2Params {
            memory_kib: 64,
            iterations: 0,
            parallelism: 1,
        };
        assert!(matches!(zero.to_argon2(), Err(StoreError::Key(_))));
    }
}
