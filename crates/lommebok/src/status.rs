//! Bitstring Status List v1.0 (<https://www.w3.org/TR/vc-bitstring-status-list/>): revocation,
//! suspension and status messages, published by the issuer as a signed list and checked by
//! verifiers offline.
//!
//! - Issuer side: a [`StatusRegistry`] over a [`StatusStore`] allocates a random, unused index
//!   for each credential, records revocations and suspensions, and renders the list that
//!   [`crate::Issuer::status_list_credential`] signs.
//! - Verifier side: a [`StatusSource`] supplies status list credentials (the built-in
//!   [`StatusListCache`] is filled by the application; HTTP is the application's to plug in).
//!
//! The bitstring codec is written here on `flate2`: `ssi-status` has one, but it cannot be used
//! without its HTTP stack. Decoding is bounded by [`MAX_BITS`], so a GZIP bomb is an error, not
//! an allocation of gigabytes.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::RngCore as _;
use serde_json::{Map, Value, json};

/// The fewest entries a list has (§2.1: at least 16 KiB of bits for single-bit entries), so that
/// an index says little about which credential it is.
pub const MIN_ENTRIES: u64 = 131_072;

/// The most bits a decoded list may have: 2^26 (8 MiB). Larger lists are refused, whatever
/// their compressed size.
pub const MAX_BITS: u64 = 1 << 26;

/// The largest `statusSize` accepted, in bits.
pub const MAX_STATUS_SIZE: u8 = 8;

/// Errors from status lists and entries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// A `credentialStatus` entry or status list credential is malformed
    /// (MALFORMED_VALUE_ERROR).
    #[error("malformed status: {0}")]
    Malformed(String),
    /// The `encodedList` is not multibase base64url of a GZIP stream.
    #[error("the encoded status list cannot be decoded: {0}")]
    Encoding(String),
    /// The decoded list is larger than [`MAX_BITS`] (e.g. a GZIP bomb).
    #[error("the status list decodes to more than {MAX_BITS} bits")]
    TooLarge,
    /// The decoded list is shorter than the minimum (STATUS_LIST_LENGTH_ERROR).
    #[error("the status list has {bits} bits, fewer than the minimum {minimum}")]
    TooShort {
        /// Bits in the list.
        bits: u64,
        /// The minimum for its status size.
        minimum: u64,
    },
    /// The index is outside the list (RANGE_ERROR).
    #[error("status index {index} is outside the list of {entries} entries")]
    OutOfRange {
        /// The index.
        index: u64,
        /// Entries in the list.
        entries: u64,
    },
    /// A status list with this URL already exists.
    #[error("status list `{0}` already exists")]
    ListExists(String),
    /// No status list with this URL.
    #[error("no status list `{0}`")]
    UnknownList(String),
    /// The credential has no status entry of this purpose.
    #[error("credential `{credential}` has no {purpose} status")]
    NoEntry {
        /// The credential id.
        credential: String,
        /// The purpose.
        purpose: StatusPurpose,
    },
    /// The credential already has an entry in this list (one id, one index: otherwise revoking
    /// it would hit every credential issued under that id).
    #[error("credential `{credential}` already has an entry in status list `{list}`")]
    AlreadyAllocated {
        /// The credential id.
        credential: String,
        /// The list URL.
        list: String,
    },
    /// Every index of the list is taken.
    #[error("status list `{0}` is full")]
    Full(String),
    /// The store failed (e.g. the database file cannot be written).
    #[error("status store: {0}")]
    Store(String),
}

/// What a status list says about credentials (§2.1 `statusPurpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusPurpose {
    /// Permanently withdrawn.
    Revocation,
    /// Temporarily withdrawn; may be reinstated.
    Suspension,
    /// A status message, with `statusSize` bits and `statusMessage` meanings.
    Message,
    /// The credential has a newer version to fetch.
    Refresh,
}

impl std::fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StatusPurpose {
    type Err = StatusError;
    fn from_str(s: &str) -> Result<Self, StatusError> {
        match s {
            "revocation" => Ok(StatusPurpose::Revocation),
            "suspension" => Ok(StatusPurpose::Suspension),
            "message" => Ok(StatusPurpose::Message),
            "refresh" => Ok(StatusPurpose::Refresh),
            other => Err(StatusError::Malformed(format!(
                "unknown statusPurpose `{other}`"
            ))),
        }
    }
}

impl StatusPurpose {
    /// The `statusPurpose` value.
    pub fn as_str(&self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
            StatusPurpose::Message => "message",
            StatusPurpose::Refresh => "refresh",
        }
    }
}

/// A list of fixed-width statuses, index 0 in the most significant bit of the first byte.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitstring({} bits)", self.bits())
    }
}

impl Bitstring {
    /// A list of `bits` zero bits (rounded up to whole bytes).
    ///
    /// # Errors
    /// [`StatusError::TooLarge`] above [`MAX_BITS`].
    pub fn zeroed(bits: u64) -> Result<Self, StatusError> {
        if bits > MAX_BITS {
            return Err(StatusError::TooLarge);
        }
        Ok(Bitstring {
            bytes: vec![0; bits.div_ceil(8) as usize],
        })
    }

    /// The number of bits.
    pub fn bits(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// The number of `size`-bit entries.
    pub fn entries(&self, size: u8) -> u64 {
        self.bits() / u64::from(size.max(1))
    }

    fn check(&self, index: u64, size: u8) -> Result<(), StatusError> {
        if size == 0 || size > MAX_STATUS_SIZE {
            return Err(StatusError::Malformed(format!(
                "statusSize {size} is not between 1 and {MAX_STATUS_SIZE}"
            )));
        }
        if index >= self.entries(size) {
            return Err(StatusError::OutOfRange {
                index,
                entries: self.entries(size),
            });
        }
        Ok(())
    }

    /// The `size`-bit status at `index`.
    ///
    /// # Errors
    /// [`StatusError::OutOfRange`], or [`StatusError::Malformed`] for a bad size.
    pub fn get(&self, index: u64, size: u8) -> Result<u8, StatusError> {
        self.check(index, size)?;
        let mut value = 0u8;
        for bit in index * u64::from(size)..(index + 1) * u64::from(size) {
            let byte = self.bytes[(bit / 8) as usize];
            value = (value << 1) | ((byte >> (7 - bit % 8)) & 1);
        }
        Ok(value)
    }

    /// Sets the `size`-bit status at `index` to `value` (its low `size` bits).
    ///
    /// # Errors
    /// As [`Bitstring::get`].
    pub fn set(&mut self, index: u64, size: u8, value: u8) -> Result<(), StatusError> {
        self.check(index, size)?;
        for (i, bit) in (index * u64::from(size)..(index + 1) * u64::from(size)).enumerate() {
            let on = (value >> (u32::from(size) - 1 - i as u32)) & 1 == 1;
            let byte = &mut self.bytes[(bit / 8) as usize];
            let mask = 1 << (7 - bit % 8);
            if on {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
        Ok(())
    }

    /// The `encodedList` form: GZIP, then multibase base64url without padding (`u…`).
    pub fn encode(&self) -> String {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let compressed = std::io::Write::write_all(&mut gzip, &self.bytes)
            .and_then(|()| gzip.finish())
            .unwrap_or_default();
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Decodes an `encodedList`, refusing anything that would exceed [`MAX_BITS`].
    ///
    /// # Errors
    /// [`StatusError::Encoding`] for bad multibase, base64url or GZIP; [`StatusError::TooLarge`].
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        let Some(base64) = encoded.strip_prefix('u') else {
            return Err(StatusError::Encoding(
                "not multibase base64url (must start with `u`)".into(),
            ));
        };
        // Compressed data cannot be larger than what decompresses to MAX_BITS by much; refuse
        // absurd input before decoding it.
        if base64.len() as u64 > MAX_BITS / 4 {
            return Err(StatusError::TooLarge);
        }
        let compressed = URL_SAFE_NO_PAD
            .decode(base64)
            .map_err(|e| StatusError::Encoding(format!("not base64url: {e}")))?;
        let limit = MAX_BITS / 8;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| StatusError::Encoding(format!("not GZIP: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(StatusError::TooLarge);
        }
        Ok(Bitstring { bytes })
    }
}

/// One meaning of a status value (`statusMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// The value.
    pub status: u8,
    /// What it means.
    pub message: String,
}

/// A `BitstringStatusListEntry` (§2.1): where a credential's status is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// `id`, if present.
    pub id: Option<String>,
    /// `statusPurpose`.
    pub purpose: StatusPurpose,
    /// `statusListIndex`.
    pub index: u64,
    /// `statusListCredential`: the URL of the status list credential.
    pub list_credential: String,
    /// `statusSize` in bits (default 1).
    pub size: u8,
    /// `statusMessage` (required when `size` > 1).
    pub messages: Vec<StatusMessage>,
    /// `statusReference` URLs.
    pub reference: Vec<String>,
}

impl StatusEntry {
    /// The entry type this module reads.
    pub const TYPE: &'static str = "BitstringStatusListEntry";

    /// Parses a `credentialStatus` entry of type `BitstringStatusListEntry`.
    ///
    /// # Errors
    /// [`StatusError::Malformed`] naming what is wrong.
    pub fn from_json(json: &Map<String, Value>) -> Result<Self, StatusError> {
        let bad = |what: String| StatusError::Malformed(what);
        let type_ok = match json.get("type") {
            Some(Value::String(t)) => t == Self::TYPE,
            Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(Self::TYPE)),
            _ => false,
        };
        if !type_ok {
            return Err(bad(format!("status entry type is not {}", Self::TYPE)));
        }
        let text = |name: &str| -> Result<&str, StatusError> {
            json.get(name).and_then(Value::as_str).ok_or_else(|| {
                StatusError::Malformed(format!("status entry has no string `{name}`"))
            })
        };
        let purpose: StatusPurpose = text("statusPurpose")?.parse()?;
        let index_text = text("statusListIndex")?;
        if index_text.is_empty()
            || !index_text.bytes().all(|b| b.is_ascii_digit())
            || (index_text.len() > 1 && index_text.starts_with('0'))
        {
            return Err(bad(format!(
                "statusListIndex `{index_text}` is not a base-10 integer"
            )));
        }
        let index: u64 = index_text
            .parse()
            .map_err(|_| bad(format!("statusListIndex `{index_text}` is too large")))?;
        let list_credential = text("statusListCredential")?.to_owned();
        if !crate::credential::is_url(&list_credential) {
            return Err(bad(format!(
                "statusListCredential `{list_credential}` is not a URL"
            )));
        }
        let size = match json.get("statusSize") {
            None => 1,
            Some(v) => v
                .as_u64()
                .filter(|s| (1..=u64::from(MAX_STATUS_SIZE)).contains(s))
                .map(|s| s as u8)
                .ok_or_else(|| bad(format!("statusSize must be 1 to {MAX_STATUS_SIZE}")))?,
        };
        let mut messages = Vec::new();
        if let Some(list) = json.get("statusMessage") {
            for item in list
                .as_array()
                .ok_or_else(|| bad("statusMessage must be an array".into()))?
            {
                let status = item
                    .get("status")
                    .and_then(Value::as_str)
                    .and_then(|s| s.strip_prefix("0x"))
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| {
                        bad("statusMessage status must be a hex string like 0x1".into())
                    })?;
                let message = item
                    .get("message")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("statusMessage needs a message".into()))?;
                messages.push(StatusMessage {
                    status,
                    message: message.to_owned(),
                });
            }
        }
        if size > 1 && messages.len() != 1 << size {
            return Err(bad(format!(
                "statusSize {size} needs {} statusMessage entries, one per value",
                1u32 << size
            )));
        }
        let reference = match json.get("statusReference") {
            None => Vec::new(),
            Some(Value::String(r)) => vec![r.clone()],
            Some(Value::Array(rs)) => rs
                .iter()
                .map(|r| r.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("statusReference must be URLs".into()))?,
            Some(_) => return Err(bad("statusReference must be URLs".into())),
        };
        Ok(StatusEntry {
            id: json.get("id").and_then(Value::as_str).map(str::to_owned),
            purpose,
            index,
            list_credential,
            size,
            messages,
            reference,
        })
    }

    /// The entry as `credentialStatus` JSON.
    pub fn to_json(&self) -> Value {
        let mut entry = Map::new();
        if let Some(id) = &self.id {
            entry.insert("id".into(), id.clone().into());
        }
        entry.insert("type".into(), Self::TYPE.into());
        entry.insert("statusPurpose".into(), self.purpose.as_str().into());
        entry.insert("statusListIndex".into(), self.index.to_string().into());
        entry.insert(
            "statusListCredential".into(),
            self.list_credential.clone().into(),
        );
        if self.size != 1 {
            entry.insert("statusSize".into(), self.size.into());
        }
        if !self.messages.is_empty() {
            entry.insert(
                "statusMessage".into(),
                self.messages
                    .iter()
                    .map(|m| json!({"status": format!("0x{:x}", m.status), "message": m.message}))
                    .collect(),
            );
        }
        match self.reference.as_slice() {
            [] => {}
            [one] => {
                entry.insert("statusReference".into(), one.clone().into());
            }
            many => {
                entry.insert("statusReference".into(), many.to_vec().into());
            }
        }
        Value::Object(entry)
    }

    /// The message for `value`, if the entry defines one.
    pub fn message_for(&self, value: u8) -> Option<&str> {
        self.messages
            .iter()
            .find(|m| m.status == value)
            .map(|m| m.message.as_str())
    }
}

/// A status list the issuer keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListInfo {
    /// The URL the list credential is published at (its `id`).
    pub url: String,
    /// What the list says.
    pub purpose: StatusPurpose,
    /// Bits per entry.
    pub size: u8,
    /// Number of entries (at least [`MIN_ENTRIES`]).
    pub entries: u64,
    /// `statusMessage` for lists with `size` > 1.
    pub messages: Vec<StatusMessage>,
    /// `statusReference` URLs.
    pub reference: Vec<String>,
}

/// A credential's status in one list, as the issuer's registry has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialStatus {
    /// The list's URL.
    pub list: String,
    /// The list's purpose.
    pub purpose: StatusPurpose,
    /// The credential's index in the list.
    pub index: u64,
    /// The current value (for revocation and suspension: 1 = revoked / suspended).
    pub value: u8,
    /// The message for the value, for lists with `statusMessage`.
    pub message: Option<String>,
}

/// Where an issuer keeps its status lists: which indices are taken, by which credential, and
/// each entry's value. Implementations must make each call atomic and durable; an allocated
/// index is never handed out again, even after the credential is revoked.
pub trait StatusStore: Send + Sync {
    /// Records a new list.
    ///
    /// # Errors
    /// [`StatusError::ListExists`] if the URL is already used; [`StatusError::Store`].
    fn create_list(&self, list: &StatusListInfo) -> Result<(), StatusError>;

    /// The lists.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    fn lists(&self) -> Result<Vec<StatusListInfo>, StatusError>;

    /// Takes `index` of `list` for `credential`; `Ok(false)` if the index is already taken.
    ///
    /// # Errors
    /// [`StatusError::UnknownList`]; [`StatusError::OutOfRange`] when `index` is not below the
    /// list's entries; [`StatusError::Store`].
    fn allocate(&self, list: &str, index: u64, credential: &str) -> Result<bool, StatusError>;

    /// The (list URL, index) pairs allocated to `credential`.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    fn allocations(&self, credential: &str) -> Result<Vec<(String, u64)>, StatusError>;

    /// How many indices of `list` are taken.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    fn allocated(&self, list: &str) -> Result<u64, StatusError>;

    /// Sets the value of an allocated entry.
    ///
    /// # Errors
    /// [`StatusError::Store`], also when the entry was never allocated.
    fn set_value(&self, list: &str, index: u64, value: u8) -> Result<(), StatusError>;

    /// The entries of `list` whose value is not zero.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    fn values(&self, list: &str) -> Result<Vec<(u64, u8)>, StatusError>;
}

/// A [`StatusStore`] in memory: for tests and short-lived issuers. Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStatusStore {
    inner: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    lists: Vec<StatusListInfo>,
    taken: HashMap<(String, u64), String>,
    values: HashMap<(String, u64), u8>,
}

impl MemoryStatusStore {
    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl StatusStore for MemoryStatusStore {
    fn create_list(&self, list: &StatusListInfo) -> Result<(), StatusError> {
        let mut state = self.state();
        if state.lists.iter().any(|l| l.url == list.url) {
            return Err(StatusError::ListExists(list.url.clone()));
        }
        state.lists.push(list.clone());
        Ok(())
    }

    fn lists(&self) -> Result<Vec<StatusListInfo>, StatusError> {
        Ok(self.state().lists.clone())
    }

    fn allocate(&self, list: &str, index: u64, credential: &str) -> Result<bool, StatusError> {
        let mut state = self.state();
        let entries = state
            .lists
            .iter()
            .find(|l| l.url == list)
            .ok_or_else(|| StatusError::UnknownList(list.to_owned()))?
            .entries;
        if index >= entries {
            return Err(StatusError::OutOfRange { index, entries });
        }
        let key = (list.to_owned(), index);
        if state.taken.contains_key(&key) {
            return Ok(false);
        }
        state.taken.insert(key, credential.to_owned());
        Ok(true)
    }

    fn allocations(&self, credential: &str) -> Result<Vec<(String, u64)>, StatusError> {
        let mut out: Vec<_> = self
            .state()
            .taken
            .iter()
            .filter(|(_, c)| c.as_str() == credential)
            .map(|(k, _)| k.clone())
            .collect();
        out.sort();
        Ok(out)
    }

    fn allocated(&self, list: &str) -> Result<u64, StatusError> {
        Ok(self.state().taken.keys().filter(|(l, _)| l == list).count() as u64)
    }

    fn set_value(&self, list: &str, index: u64, value: u8) -> Result<(), StatusError> {
        let mut state = self.state();
        if !state.taken.contains_key(&(list.to_owned(), index)) {
            return Err(StatusError::Store(format!(
                "index {index} of `{list}` was never allocated"
            )));
        }
        if value == 0 {
            state.values.remove(&(list.to_owned(), index));
        } else {
            state.values.insert((list.to_owned(), index), value);
        }
        Ok(())
    }

    fn values(&self, list: &str) -> Result<Vec<(u64, u8)>, StatusError> {
        let mut out: Vec<_> = self
            .state()
            .values
            .iter()
            .filter(|((l, _), _)| l == list)
            .map(|((_, i), v)| (*i, *v))
            .collect();
        out.sort_unstable();
        Ok(out)
    }
}

/// The issuer's status lists: allocates entries for new credentials and changes their status.
#[derive(Clone)]
pub struct StatusRegistry {
    store: Arc<dyn StatusStore>,
}

impl std::fmt::Debug for StatusRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusRegistry").finish_non_exhaustive()
    }
}

/// How many random draws before falling back to a scan for a free index.
const RANDOM_DRAWS: usize = 64;

impl StatusRegistry {
    /// A registry over `store`.
    pub fn new(store: Arc<dyn StatusStore>) -> Self {
        StatusRegistry { store }
    }

    /// A registry in memory (nothing persists).
    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryStatusStore::default()))
    }

    /// Creates a list of single-bit `purpose` entries ([`MIN_ENTRIES`] of them) at `url`.
    ///
    /// # Errors
    /// [`StatusError::Malformed`] for a bad URL or purpose; [`StatusError::Store`].
    pub fn create_list(
        &self,
        url: &str,
        purpose: StatusPurpose,
    ) -> Result<StatusListInfo, StatusError> {
        self.create_list_with(StatusListInfo {
            url: url.to_owned(),
            purpose,
            size: 1,
            entries: MIN_ENTRIES,
            messages: Vec::new(),
            reference: Vec::new(),
        })
    }

    /// Creates a list as described (e.g. a `message` list with `size` 2 and four messages).
    ///
    /// # Errors
    /// [`StatusError::Malformed`] when the description breaks a rule of §2.1;
    /// [`StatusError::Store`].
    pub fn create_list_with(&self, list: StatusListInfo) -> Result<StatusListInfo, StatusError> {
        if !crate::credential::is_url(&list.url) {
            return Err(StatusError::Malformed(format!(
                "`{}` is not a URL",
                list.url
            )));
        }
        if list.size == 0 || list.size > MAX_STATUS_SIZE {
            return Err(StatusError::Malformed(format!(
                "statusSize must be 1 to {MAX_STATUS_SIZE}"
            )));
        }
        if list.size > 1 && list.messages.len() != 1 << list.size {
            return Err(StatusError::Malformed(format!(
                "a list with statusSize {} needs {} statusMessage entries",
                list.size,
                1u32 << list.size
            )));
        }
        if list.purpose == StatusPurpose::Message && list.size == 1 && list.messages.len() != 2 {
            return Err(StatusError::Malformed(
                "a message list needs a statusMessage for each value".into(),
            ));
        }
        let mut values: Vec<u8> = list.messages.iter().map(|m| m.status).collect();
        values.sort_unstable();
        values.dedup();
        if values.len() != list.messages.len()
            || values
                .last()
                .is_some_and(|v| list.size < 8 && u32::from(*v) >= 1u32 << list.size)
        {
            return Err(StatusError::Malformed(format!(
                "statusMessage values must be distinct and fit in {} bits",
                list.size
            )));
        }
        if list.entries < MIN_ENTRIES || list.entries * u64::from(list.size) > MAX_BITS {
            return Err(StatusError::Malformed(format!(
                "a list has {MIN_ENTRIES} to {} entries of {} bits",
                MAX_BITS / u64::from(list.size),
                list.size
            )));
        }
        self.store.create_list(&list)?;
        Ok(list)
    }

    /// The lists.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    pub fn lists(&self) -> Result<Vec<StatusListInfo>, StatusError> {
        self.store.lists()
    }

    fn list(&self, url: &str) -> Result<StatusListInfo, StatusError> {
        self.store
            .lists()?
            .into_iter()
            .find(|l| l.url == url)
            .ok_or_else(|| StatusError::UnknownList(url.to_owned()))
    }

    /// Allocates an entry in list `url` for `credential` at a random unused index (random, so
    /// that indices say nothing about issuance order) and returns its `credentialStatus`.
    ///
    /// # Errors
    /// [`StatusError::Full`] when no index is left; [`StatusError::UnknownList`];
    /// [`StatusError::Store`].
    pub fn allocate(&self, url: &str, credential: &str) -> Result<StatusEntry, StatusError> {
        let list = self.list(url)?;
        if self
            .store
            .allocations(credential)?
            .iter()
            .any(|(allocated, _)| allocated == url)
        {
            return Err(StatusError::AlreadyAllocated {
                credential: credential.to_owned(),
                list: url.to_owned(),
            });
        }
        if self.store.allocated(url)? >= list.entries {
            return Err(StatusError::Full(url.to_owned()));
        }
        let mut rng = rand_core::OsRng;
        let mut chosen = None;
        for _ in 0..RANDOM_DRAWS {
            let index = rng.next_u64() % list.entries;
            if self.store.allocate(url, index, credential)? {
                chosen = Some(index);
                break;
            }
        }
        if chosen.is_none() {
            // A nearly full list: walk from a random start to the next free index.
            let start = rng.next_u64() % list.entries;
            for step in 0..list.entries {
                let index = (start + step) % list.entries;
                if self.store.allocate(url, index, credential)? {
                    chosen = Some(index);
                    break;
                }
            }
        }
        let index = chosen.ok_or_else(|| StatusError::Full(url.to_owned()))?;
        Ok(StatusEntry {
            id: Some(format!("{url}#{index}")),
            purpose: list.purpose,
            index,
            list_credential: url.to_owned(),
            size: list.size,
            messages: list.messages.clone(),
            reference: list.reference.clone(),
        })
    }

    /// Sets `credential`'s status in its list of `purpose` to `value`.
    ///
    /// # Errors
    /// [`StatusError::NoEntry`] when the credential has no such entry; [`StatusError::Store`].
    pub fn set(
        &self,
        credential: &str,
        purpose: StatusPurpose,
        value: u8,
    ) -> Result<(), StatusError> {
        let lists = self.store.lists()?;
        let mut found = false;
        for (url, index) in self.store.allocations(credential)? {
            let Some(list) = lists.iter().find(|l| l.url == url) else {
                continue;
            };
            if list.purpose == purpose {
                if list.size < 8 && value >> list.size != 0 {
                    return Err(StatusError::Malformed(format!(
                        "value {value} does not fit in {} bits",
                        list.size
                    )));
                }
                self.store.set_value(&url, index, value)?;
                found = true;
            }
        }
        if found {
            Ok(())
        } else {
            Err(StatusError::NoEntry {
                credential: credential.to_owned(),
                purpose,
            })
        }
    }

    /// Sets the value of the entry at `index` of list `url` to `value`: for an entry whose
    /// credential id is not known, such as an SD-JWT VC's, which names only its list and index
    /// (`status.status_list` `{uri, idx}`). The list must be one of this registry's (the
    /// issuer's own) and the entry allocated.
    ///
    /// # Errors
    /// [`StatusError::UnknownList`] when the registry has no list `url`;
    /// [`StatusError::OutOfRange`] when `index` is not below its entries;
    /// [`StatusError::Malformed`] when `value` does not fit its status size;
    /// [`StatusError::Store`], also when the entry was never allocated.
    pub fn set_at(&self, url: &str, index: u64, value: u8) -> Result<(), StatusError> {
        let list = self.list(url)?;
        if index >= list.entries {
            return Err(StatusError::OutOfRange {
                index,
                entries: list.entries,
            });
        }
        if list.size < 8 && value >> list.size != 0 {
            return Err(StatusError::Malformed(format!(
                "value {value} does not fit in {} bits",
                list.size
            )));
        }
        self.store.set_value(url, index, value)
    }

    /// Revokes `credential` (permanently: its revocation bit is set).
    ///
    /// # Errors
    /// As [`StatusRegistry::set`].
    pub fn revoke(&self, credential: &str) -> Result<(), StatusError> {
        self.set(credential, StatusPurpose::Revocation, 1)
    }

    /// Suspends `credential`.
    ///
    /// # Errors
    /// As [`StatusRegistry::set`].
    pub fn suspend(&self, credential: &str) -> Result<(), StatusError> {
        self.set(credential, StatusPurpose::Suspension, 1)
    }

    /// Lifts `credential`'s suspension.
    ///
    /// # Errors
    /// As [`StatusRegistry::set`].
    pub fn unsuspend(&self, credential: &str) -> Result<(), StatusError> {
        self.set(credential, StatusPurpose::Suspension, 0)
    }

    /// The current status of `credential` in each list it has an entry in.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    pub fn status_of(&self, credential: &str) -> Result<Vec<CredentialStatus>, StatusError> {
        let lists = self.store.lists()?;
        let mut out = Vec::new();
        for (url, index) in self.store.allocations(credential)? {
            let Some(list) = lists.iter().find(|l| l.url == url) else {
                continue;
            };
            let value = self
                .store
                .values(&url)?
                .into_iter()
                .find(|(i, _)| *i == index)
                .map_or(0, |(_, v)| v);
            let message = list
                .messages
                .iter()
                .find(|m| m.status == value)
                .map(|m| m.message.clone());
            out.push(CredentialStatus {
                list: url,
                purpose: list.purpose,
                index,
                value,
                message,
            });
        }
        Ok(out)
    }

    /// How many indices of list `url` are allocated.
    ///
    /// # Errors
    /// [`StatusError::Store`].
    pub fn allocated(&self, url: &str) -> Result<u64, StatusError> {
        self.store.allocated(url)
    }

    /// The bitstring of list `url` as it stands.
    ///
    /// # Errors
    /// [`StatusError::UnknownList`]; [`StatusError::Store`].
    pub fn bitstring(&self, url: &str) -> Result<Bitstring, StatusError> {
        let list = self.list(url)?;
        let mut bits = Bitstring::zeroed(list.entries * u64::from(list.size))?;
        for (index, value) in self.store.values(url)? {
            bits.set(index, list.size, value)?;
        }
        Ok(bits)
    }

    /// The `credentialSubject` of list `url`'s status list credential (§2.2): `id`, `type`
    /// `BitstringStatusList`, `statusPurpose`, `encodedList`, and `ttl` (milliseconds) if given.
    ///
    /// # Errors
    /// As [`StatusRegistry::bitstring`].
    pub fn list_subject(
        &self,
        url: &str,
        ttl_millis: Option<u64>,
    ) -> Result<Map<String, Value>, StatusError> {
        let list = self.list(url)?;
        let mut subject = Map::new();
        subject.insert("id".into(), format!("{url}#list").into());
        subject.insert("type".into(), "BitstringStatusList".into());
        subject.insert("statusPurpose".into(), list.purpose.as_str().into());
        subject.insert("encodedList".into(), self.bitstring(url)?.encode().into());
        if let Some(ttl) = ttl_millis {
            subject.insert("ttl".into(), ttl.into());
        }
        Ok(subject)
    }
}

/// Where a verifier gets status list credentials. Must not block for long: an application that
/// fetches over HTTP should do so ahead of time, or from a cache.
pub trait StatusSource: Send + Sync {
    /// The status list credential published at `url`, as JSON text, or `None` if it cannot be
    /// had (the verifier then fails the status check, never passes it).
    fn status_list_credential(&self, url: &str) -> Option<String>;
}

/// A [`StatusSource`] the application fills: in memory, keyed by URL.
#[derive(Debug, Default)]
pub struct StatusListCache {
    lists: RwLock<HashMap<String, String>>,
}

impl StatusListCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores (or replaces) the status list credential for `url`.
    pub fn insert(&self, url: &str, credential_json: &str) {
        self.lists
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(url.to_owned(), credential_json.to_owned());
    }

    /// Forgets the list for `url`.
    pub fn remove(&self, url: &str) {
        self.lists
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(url);
    }
}

impl StatusSource for StatusListCache {
    fn status_list_credential(&self, url: &str) -> Option<String> {
        self.lists
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(url)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_order_is_most_significant_first() {
        let mut bits = Bitstring::zeroed(16).unwrap();
        bits.set(0, 1, 1).unwrap();
        bits.set(9, 1, 1).unwrap();
        assert_eq!(bits.bytes, [0b1000_0000, 0b0100_0000]);
        let mut two = Bitstring::zeroed(16).unwrap();
        two.set(1, 2, 0b10).unwrap();
        assert_eq!(two.bytes[0], 0b0010_0000);
        assert_eq!(two.get(1, 2).unwrap(), 2);
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut bits = Bitstring::zeroed(MIN_ENTRIES).unwrap();
        for i in [0, 7, 94_567, MIN_ENTRIES - 1] {
            bits.set(i, 1, 1).unwrap();
        }
        let back = Bitstring::decode(&bits.encode()).unwrap();
        assert_eq!(back, bits);
    }

    #[test]
    fn out_of_range_index_is_an_error() {
        let bits = Bitstring::zeroed(MIN_ENTRIES).unwrap();
        assert!(matches!(
            bits.get(MIN_ENTRIES, 1),
            Err(StatusError::OutOfRange { .. })
        ));
        assert!(matches!(
            bits.get(MIN_ENTRIES / 2, 2),
            Err(StatusError::OutOfRange { .. })
        ));
    }

    #[test]
    fn gzip_bomb_is_refused() {
        // 64 MiB of zeros (eight times MAX_BITS) compresses to about 64 KiB; decoding must stop
        // at MAX_BITS instead of inflating it all.
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            std::io::Write::write_all(&mut gzip, &zeros).unwrap();
        }
        let encoded = format!("u{}", URL_SAFE_NO_PAD.encode(gzip.finish().unwrap()));
        assert!(matches!(
            Bitstring::decode(&encoded),
            Err(StatusError::TooLarge)
        ));
    }

    #[test]
    fn bad_encodings_are_errors() {
        assert!(matches!(
            Bitstring::decode("zabc"),
            Err(StatusError::Encoding(_))
        ));
        assert!(matches!(
            Bitstring::decode("u!!!"),
            Err(StatusError::Encoding(_))
        ));
        assert!(matches!(
            Bitstring::decode("uAAAA"),
            Err(StatusError::Encoding(_))
        ));
    }

    #[test]
    fn set_at_changes_an_allocated_entry_of_an_own_list_only() {
        let registry = StatusRegistry::in_memory();
        let url = "https://kommune.example/status/1";
        registry
            .create_list(url, StatusPurpose::Revocation)
            .unwrap();
        let entry = registry.allocate(url, "urn:uuid:a").unwrap();
        registry.set_at(url, entry.index, 1).unwrap();
        assert!(
            registry
                .bitstring(url)
                .unwrap()
                .get(entry.index, 1)
                .unwrap()
                == 1
        );
        assert_eq!(registry.status_of("urn:uuid:a").unwrap()[0].value, 1);
        assert!(matches!(
            registry.set_at("https://elsewhere.example/status/1", entry.index, 1),
            Err(StatusError::UnknownList(_))
        ));
        assert!(matches!(
            registry.set_at(url, MIN_ENTRIES, 1),
            Err(StatusError::OutOfRange { .. })
        ));
        assert!(matches!(
            registry.set_at(url, entry.index, 2),
            Err(StatusError::Malformed(_))
        ));
        let free = (entry.index + 1) % MIN_ENTRIES;
        assert!(registry.set_at(url, free, 1).is_err());
    }

    #[test]
    fn allocation_is_random_unique_and_never_reused() {
        let registry = StatusRegistry::in_memory();
        let url = "https://kommune.example/status/1";
        registry
            .create_list(url, StatusPurpose::Revocation)
            .unwrap();
        let mut seen = std::collections::HashSet::new();
        for i in 0..500 {
            let entry = registry.allocate(url, &format!("urn:uuid:{i}")).unwrap();
            assert!(seen.insert(entry.index), "index {} reused", entry.index);
        }
        // Random: 500 draws from 131,072 are not the first 500 indices.
        assert!(seen.iter().any(|i| *i >= 500));
    }

    #[test]
    fn revoke_suspend_unsuspend() {
        let registry = StatusRegistry::in_memory();
        let r = "https://kommune.example/status/r";
        let s = "https://kommune.example/status/s";
        registry.create_list(r, StatusPurpose::Revocation).unwrap();
        registry.create_list(s, StatusPurpose::Suspension).unwrap();
        let a = registry.allocate(r, "urn:a").unwrap();
        let b = registry.allocate(s, "urn:a").unwrap();
        registry.suspend("urn:a").unwrap();
        assert_eq!(registry.bitstring(s).unwrap().get(b.index, 1).unwrap(), 1);
        registry.unsuspend("urn:a").unwrap();
        assert_eq!(registry.bitstring(s).unwrap().get(b.index, 1).unwrap(), 0);
        registry.revoke("urn:a").unwrap();
        assert_eq!(registry.bitstring(r).unwrap().get(a.index, 1).unwrap(), 1);
        assert!(matches!(
            registry.revoke("urn:unknown"),
            Err(StatusError::NoEntry { .. })
        ));
        assert!(matches!(
            registry.allocate(r, "urn:a"),
            Err(StatusError::AlreadyAllocated { .. })
        ));
    }

    #[test]
    fn entry_json_round_trips_and_bad_entries_are_refused() {
        let entry = StatusEntry {
            id: Some("https://x.example/s/8#492847".into()),
            purpose: StatusPurpose::Message,
            index: 492_847,
            list_credential: "https://x.example/s/8".into(),
            size: 2,
            messages: (0..4)
                .map(|s| StatusMessage {
                    status: s,
                    message: format!("m{s}"),
                })
                .collect(),
            reference: vec!["https://x.example/dictionary".into()],
        };
        let json = entry.to_json();
        assert_eq!(json["statusListIndex"], "492847");
        assert_eq!(json["statusMessage"][3]["status"], "0x3");
        assert_eq!(
            StatusEntry::from_json(json.as_object().unwrap()).unwrap(),
            entry
        );
        for (member, value) in [
            ("statusListIndex", json!("-1")),
            ("statusListIndex", json!("01")),
            ("statusListIndex", json!(5)),
            ("statusPurpose", json!("other")),
            ("statusSize", json!(9)),
            ("statusListCredential", json!("not a url")),
        ] {
            let mut bad = json.as_object().unwrap().clone();
            bad.insert(member.into(), value.clone());
            assert!(StatusEntry::from_json(&bad).is_err(), "{member} = {value}");
        }
        let mut short = json.as_object().unwrap().clone();
        short["statusMessage"].as_array_mut().unwrap().pop();
        assert!(StatusEntry::from_json(&short).is_err());
    }
}
