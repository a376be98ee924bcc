//! IETF Token Status List (draft-ietf-oauth-status-list, "TSL"): the status mechanism of SD-JWT
//! VCs, next to the W3C Bitstring Status List of [`crate::status`].
//!
//! A Referenced Token (e.g. an SD-JWT VC) carries a `status` claim
//! `{"status_list": {"idx": 7, "uri": "https://…"}}` ([`status_claim`]); the issuer publishes at
//! `uri` a Status List Token, a JWT with header `typ: statuslist+jwt` and claims `sub` (= `uri`),
//! `iat`, `exp`, `ttl` and `status_list: {"bits", "lst"}`, where `lst` is base64url (no padding)
//! of the ZLIB (RFC 1950) stream of a byte array holding one `bits`-wide value per index, packed
//! from the **least** significant bit of each byte (index 0 is the lowest bit of byte 0; the W3C
//! list is the other way round). Values: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED, 0x03 and
//! 0x0C–0x0F application-specific.
//!
//! # One registry, two formats
//!
//! The issuer's [`StatusRegistry`] allocations back both formats: an index allocated in list `url`
//! for a credential is the `statusListIndex` of a W3C `credentialStatus` and the `idx` of a TSL
//! `status` claim alike, and [`crate::Issuer::status_list_token_at`] publishes the list at `url`
//! as a Status List Token whose `sub` is `url`. (A URL serving both forms needs content
//! negotiation: `application/statuslist+jwt` for the token. A verifier's [`StatusSource`] for
//! [`check_token_status`] returns the token's compact JWT text.)
//!
//! A Referenced Token names exactly **one** status list, while the registry keeps revocation and
//! suspension in separate lists with separate random indices, so one token list cannot merge a
//! revocation and a suspension list (the registry cannot say which credential holds an index).
//! Each registry list therefore maps to one token list, of the same index space, as a verifier of
//! that list expects to read it:
//!
//! | registry list                   | `bits` | value of an entry set in the registry |
//! |---------------------------------|--------|----------------------------------------|
//! | revocation                      | 1      | 0x01 INVALID                           |
//! | suspension                      | 2      | 0x02 SUSPENDED (does not fit in 1 bit) |
//! | message, `statusSize` *n* ≤ 8   | 1/2/4/8 (the smallest ≥ *n*) | the value itself |
//! | refresh                         | —      | refused: TSL has no such status        |
//!
//! A credential that must be both revocable and suspendable through its single reference uses a
//! combined list: [`combined_list`] describes a 2-bit message list whose values are the TSL
//! values (VALID, INVALID, SUSPENDED, application-specific), and [`set_token_status`] sets them
//! (keeping revocation permanent). Such a list is meant for TSL references: the W3C verifier
//! reads a message list as information, never as a failure, so W3C credentials should keep
//! pointing at revocation / suspension lists.
//!
//! # Bounds
//!
//! [`TokenStatusList::decode`] refuses a list of more than [`MAX_BITS`] bits (2^26, as for the W3C
//! list) whatever its compressed size, so a ZLIB bomb is an error, never gigabytes of memory;
//! a Status List Token of more than [`MAX_TOKEN_BYTES`] is refused before it is decoded.

use std::io::Read as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::Error;
use crate::jws::{self, Jws, JwsError};
use crate::key::{PublicKey, Signer};
use crate::status::{
    StatusError, StatusListInfo, StatusMessage, StatusPurpose, StatusRegistry, StatusSource,
};

pub use crate::status::MAX_BITS;

/// The `typ` header of a Status List Token in JWT form.
pub const STATUS_LIST_JWT_TYPE: &str = "statuslist+jwt";

/// The media type a Status List Token in JWT form is served with.
pub const STATUS_LIST_JWT_MEDIA_TYPE: &str = "application/statuslist+jwt";

/// The name of the claim a Referenced Token carries [`status_claim`] under.
pub const STATUS_CLAIM: &str = "status";

/// The largest Status List Token text [`check_token_status`] reads: 2 MiB (its payload is
/// further limited to [`crate::json::DEFAULT_MAX_BYTES`] of JSON by the JWS decoder).
pub const MAX_TOKEN_BYTES: usize = 2 << 20;

/// The `bits` values the draft allows.
pub const ALLOWED_BITS: [u8; 4] = [1, 2, 4, 8];

/// Errors from Token Status Lists.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenStatusError {
    /// A `status` claim, `status_list` object or Status List Token is malformed.
    #[error("malformed token status: {0}")]
    Malformed(String),
    /// `bits` is not 1, 2, 4 or 8.
    #[error("status list bits {0} is not 1, 2, 4 or 8")]
    Bits(u64),
    /// The `lst` is not base64url of a ZLIB stream.
    #[error("the status list `lst` cannot be decoded: {0}")]
    Encoding(String),
    /// The list has (or would decode to) more than [`MAX_BITS`] bits, e.g. a ZLIB bomb.
    #[error("the status list has more than {MAX_BITS} bits")]
    TooLarge,
    /// The index is outside the list.
    #[error("status index {index} is outside the list of {entries} entries")]
    OutOfRange {
        /// The index.
        index: u64,
        /// Entries in the list.
        entries: u64,
    },
    /// A value does not fit in the list's `bits`.
    #[error("status value {value:#04x} does not fit in {bits} bits")]
    ValueTooLarge {
        /// The value.
        value: u8,
        /// The list's bits.
        bits: u8,
    },
    /// The registry list has no Token Status List equivalent (a refresh list).
    #[error("status list `{url}` is a {purpose} list, which a Token Status List cannot express")]
    Unmappable {
        /// The list.
        url: String,
        /// Its purpose.
        purpose: StatusPurpose,
    },
    /// The credential is revoked (INVALID); revocation is permanent.
    #[error("credential `{0}` is revoked; its status cannot change")]
    Revoked(String),
    /// Making or reading the JWT failed.
    #[error(transparent)]
    Jws(#[from] JwsError),
}

/// A Status Type value (§7 of the draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenStatus {
    /// 0x00: the token is valid.
    Valid,
    /// 0x01: revoked, annulled, cancelled.
    Invalid,
    /// 0x02: temporarily invalid.
    Suspended,
    /// Any other value: application-specific (0x03, 0x0C–0x0F) or not registered.
    Other(u8),
}

impl TokenStatus {
    /// 0x00 VALID.
    pub const VALID: u8 = 0x00;
    /// 0x01 INVALID.
    pub const INVALID: u8 = 0x01;
    /// 0x02 SUSPENDED.
    pub const SUSPENDED: u8 = 0x02;

    /// The status for `value`.
    pub fn from_value(value: u8) -> Self {
        match value {
            Self::VALID => TokenStatus::Valid,
            Self::INVALID => TokenStatus::Invalid,
            Self::SUSPENDED => TokenStatus::Suspended,
            other => TokenStatus::Other(other),
        }
    }

    /// The value in the list.
    pub fn value(self) -> u8 {
        match self {
            TokenStatus::Valid => Self::VALID,
            TokenStatus::Invalid => Self::INVALID,
            TokenStatus::Suspended => Self::SUSPENDED,
            TokenStatus::Other(value) => value,
        }
    }
}

impl std::fmt::Display for TokenStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenStatus::Valid => f.write_str("VALID"),
            TokenStatus::Invalid => f.write_str("INVALID"),
            TokenStatus::Suspended => f.write_str("SUSPENDED"),
            TokenStatus::Other(value @ (0x03 | 0x0C..=0x0F)) => {
                write!(f, "application-specific {value:#04x}")
            }
            TokenStatus::Other(value) => write!(f, "unregistered {value:#04x}"),
        }
    }
}

/// A Token Status List: `bits`-wide values packed least significant bit first.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for TokenStatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TokenStatusList({} entries of {} bits)",
            self.len(),
            self.bits
        )
    }
}

fn check_bits(bits: u64) -> Result<u8, TokenStatusError> {
    ALLOWED_BITS
        .iter()
        .copied()
        .find(|b| u64::from(*b) == bits)
        .ok_or(TokenStatusError::Bits(bits))
}

impl TokenStatusList {
    /// A list of `entries` VALID entries of `bits` bits (the byte array rounded up).
    ///
    /// # Errors
    /// [`TokenStatusError::Bits`]; [`TokenStatusError::TooLarge`] above [`MAX_BITS`].
    pub fn new(bits: u8, entries: u64) -> Result<Self, TokenStatusError> {
        let bits = check_bits(u64::from(bits))?;
        let total = entries
            .checked_mul(u64::from(bits))
            .filter(|t| *t <= MAX_BITS)
            .ok_or(TokenStatusError::TooLarge)?;
        Ok(TokenStatusList {
            bits,
            bytes: vec![0; total.div_ceil(8) as usize],
        })
    }

    /// A list over an uncompressed byte array.
    ///
    /// # Errors
    /// [`TokenStatusError::Bits`]; [`TokenStatusError::TooLarge`] above [`MAX_BITS`].
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<Self, TokenStatusError> {
        let bits = check_bits(u64::from(bits))?;
        if bytes.len() as u64 > MAX_BITS / 8 {
            return Err(TokenStatusError::TooLarge);
        }
        Ok(TokenStatusList { bits, bytes })
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The uncompressed byte array.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of entries (every whole `bits` group of the byte array).
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8 / u64::from(self.bits)
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// (byte, shift, mask) of entry `index`.
    fn locate(&self, index: u64) -> Result<(usize, u32, u8), TokenStatusError> {
        if index >= self.len() {
            return Err(TokenStatusError::OutOfRange {
                index,
                entries: self.len(),
            });
        }
        let per_byte = u64::from(8 / self.bits);
        let shift = (index % per_byte) as u32 * u32::from(self.bits);
        let mask = ((1u16 << self.bits) - 1) as u8;
        Ok(((index / per_byte) as usize, shift, mask))
    }

    /// The value at `index`.
    ///
    /// # Errors
    /// [`TokenStatusError::OutOfRange`].
    pub fn get(&self, index: u64) -> Result<u8, TokenStatusError> {
        let (byte, shift, mask) = self.locate(index)?;
        Ok((self.bytes[byte] >> shift) & mask)
    }

    /// Sets the value at `index`.
    ///
    /// # Errors
    /// [`TokenStatusError::OutOfRange`]; [`TokenStatusError::ValueTooLarge`] when `value` does not
    /// fit in [`TokenStatusList::bits`].
    pub fn set(&mut self, index: u64, value: u8) -> Result<(), TokenStatusError> {
        let (byte, shift, mask) = self.locate(index)?;
        if value & !mask != 0 {
            return Err(TokenStatusError::ValueTooLarge {
                value,
                bits: self.bits,
            });
        }
        let byte = &mut self.bytes[byte];
        *byte = (*byte & !(mask << shift)) | (value << shift);
        Ok(())
    }

    /// The ZLIB (RFC 1950) stream of the byte array, at the highest compression level.
    pub fn compressed(&self) -> Vec<u8> {
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        std::io::Write::write_all(&mut zlib, &self.bytes)
            .and_then(|()| zlib.finish())
            .unwrap_or_default()
    }

    /// The `lst` form: base64url without padding of [`TokenStatusList::compressed`].
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.compressed())
    }

    /// Decodes a `lst` of `bits`-wide entries, refusing anything that would exceed [`MAX_BITS`].
    ///
    /// # Errors
    /// [`TokenStatusError::Bits`]; [`TokenStatusError::Encoding`] for text that is not base64url
    /// without padding or bytes that are not one whole ZLIB stream; [`TokenStatusError::TooLarge`].
    pub fn decode(bits: u64, lst: &str) -> Result<Self, TokenStatusError> {
        let bits = check_bits(bits)?;
        // Any sensible compression of MAX_BITS bits is far shorter than this: refuse the absurd
        // before decoding it.
        if lst.len() as u64 > MAX_BITS / 4 {
            return Err(TokenStatusError::TooLarge);
        }
        let compressed = URL_SAFE_NO_PAD
            .decode(lst)
            .map_err(|e| TokenStatusError::Encoding(format!("not base64url: {e}")))?;
        Self::decompress(bits, &compressed)
    }

    /// Inflates a ZLIB stream (the CBOR `lst`), bounded by [`MAX_BITS`].
    ///
    /// # Errors
    /// As [`TokenStatusList::decode`].
    pub fn decompress(bits: u8, compressed: &[u8]) -> Result<Self, TokenStatusError> {
        let bits = check_bits(u64::from(bits))?;
        let limit = MAX_BITS / 8;
        let mut bytes = Vec::new();
        let mut zlib = flate2::bufread::ZlibDecoder::new(compressed);
        (&mut zlib)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| TokenStatusError::Encoding(format!("not ZLIB: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(TokenStatusError::TooLarge);
        }
        if !zlib.into_inner().is_empty() {
            return Err(TokenStatusError::Encoding(
                "bytes follow the end of the ZLIB stream".into(),
            ));
        }
        Ok(TokenStatusList { bits, bytes })
    }

    /// The Status List in JSON form: `{"bits": …, "lst": …}`.
    pub fn to_json(&self) -> Value {
        json!({"bits": self.bits, "lst": self.encode()})
    }

    /// Reads a Status List in JSON form (members other than `bits` and `lst`, such as
    /// `aggregation_uri`, are allowed and ignored).
    ///
    /// # Errors
    /// [`TokenStatusError::Malformed`] when `bits` or `lst` is missing or of the wrong type; as
    /// [`TokenStatusList::decode`].
    pub fn from_json(json: &Value) -> Result<Self, TokenStatusError> {
        let object = json
            .as_object()
            .ok_or_else(|| TokenStatusError::Malformed("status_list is not an object".into()))?;
        let bits = match object.get("bits") {
            Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
                TokenStatusError::Malformed(format!("status_list bits {n} is not 1, 2, 4 or 8"))
            })?,
            _ => {
                return Err(TokenStatusError::Malformed(
                    "status_list has no integer `bits`".into(),
                ));
            }
        };
        let lst = object
            .get("lst")
            .and_then(Value::as_str)
            .ok_or_else(|| TokenStatusError::Malformed("status_list has no string `lst`".into()))?;
        Self::decode(bits, lst)
    }

    /// The token list of registry list `url` as it stands, mapped as the module documentation
    /// says (revocation → 1 bit, 0x01; suspension → 2 bits, 0x02; message → values as they are).
    ///
    /// # Errors
    /// [`TokenStatusError::Unmappable`] for a refresh list; [`StatusError`]s of the registry
    /// (e.g. an unknown list) as [`Error::Status`].
    pub fn from_registry(registry: &StatusRegistry, url: &str) -> Result<Self, Error> {
        let info = list_info(registry, url)?;
        let (bits, map) = token_mapping(&info)?;
        let bitstring = registry.bitstring(url)?;
        let mut list = TokenStatusList::new(bits, info.entries)?;
        for index in 0..info.entries {
            let value = bitstring.get(index, info.size)?;
            if value != 0 {
                list.set(index, map(value))?;
            }
        }
        Ok(list)
    }
}

fn list_info(registry: &StatusRegistry, url: &str) -> Result<StatusListInfo, StatusError> {
    registry
        .lists()?
        .into_iter()
        .find(|l| l.url == url)
        .ok_or_else(|| StatusError::UnknownList(url.to_owned()))
}

/// How a registry list's value becomes a token list's value.
type ValueMap = fn(u8) -> u8;

/// The `bits` of the token list for a registry list, and how a registry value becomes a token
/// value.
fn token_mapping(info: &StatusListInfo) -> Result<(u8, ValueMap), TokenStatusError> {
    match info.purpose {
        StatusPurpose::Revocation => Ok((1, |_| TokenStatus::INVALID)),
        StatusPurpose::Suspension => Ok((2, |_| TokenStatus::SUSPENDED)),
        StatusPurpose::Message => {
            let bits = ALLOWED_BITS
                .iter()
                .copied()
                .find(|b| *b >= info.size)
                .ok_or(TokenStatusError::Bits(u64::from(info.size)))?;
            Ok((bits, |value| value))
        }
        purpose @ StatusPurpose::Refresh => Err(TokenStatusError::Unmappable {
            url: info.url.clone(),
            purpose,
        }),
    }
}

/// The value of the `status` claim a Referenced Token (e.g. an SD-JWT VC) carries for index
/// `idx` of the Status List Token at `uri`: `{"status_list": {"idx": idx, "uri": uri}}`.
///
/// Put it in the payload under [`STATUS_CLAIM`]:
/// `payload.insert("status".into(), status_claim(&entry.list_credential, entry.index))` for a
/// `StatusEntry` from [`StatusRegistry::allocate`] (or use [`allocate_status_claim`]).
pub fn status_claim(uri: &str, idx: u64) -> Value {
    json!({"status_list": {"idx": idx, "uri": uri}})
}

/// Allocates a random, never reused index for `credential_id` in registry list `url` and returns
/// its [`status_claim`]. Fails before allocating when the list cannot be published as a Token
/// Status List (a refresh list).
///
/// # Errors
/// [`TokenStatusError::Unmappable`]; the registry's errors (unknown or full list, store failure)
/// as [`Error::Status`].
pub fn allocate_status_claim(
    registry: &StatusRegistry,
    url: &str,
    credential_id: &str,
) -> Result<Value, Error> {
    token_mapping(&list_info(registry, url)?)?;
    let entry = registry.allocate(url, credential_id)?;
    Ok(status_claim(&entry.list_credential, entry.index))
}

/// A registry list (at `url`, [`crate::status::MIN_ENTRIES`] entries) whose 2-bit values are the
/// Token Status List values, so that one reference can be revoked *and* suspended: a `message`
/// list with `statusMessage`s VALID (0x0), INVALID (0x1), SUSPENDED (0x2) and
/// APPLICATION_SPECIFIC (0x3). Create it with [`StatusRegistry::create_list_with`]; change its
/// values with [`set_token_status`].
pub fn combined_list(url: &str) -> StatusListInfo {
    let messages = ["VALID", "INVALID", "SUSPENDED", "APPLICATION_SPECIFIC"]
        .iter()
        .zip(0u8..)
        .map(|(message, status)| StatusMessage {
            status,
            message: (*message).to_owned(),
        })
        .collect();
    StatusListInfo {
        url: url.to_owned(),
        purpose: StatusPurpose::Message,
        size: 2,
        entries: crate::status::MIN_ENTRIES,
        messages,
        reference: Vec::new(),
    }
}

/// Sets `credential_id`'s value in its message lists (e.g. a [`combined_list`]) to `status`.
/// Revocation is permanent: once INVALID, the status cannot change.
///
/// # Errors
/// [`TokenStatusError::Revoked`]; the registry's errors ([`StatusError::NoEntry`] when the
/// credential has no message list entry, a value too large for the list, a store failure).
pub fn set_token_status(
    registry: &StatusRegistry,
    credential_id: &str,
    status: TokenStatus,
) -> Result<(), Error> {
    let revoked = registry
        .status_of(credential_id)?
        .iter()
        .any(|s| s.purpose == StatusPurpose::Message && s.value == TokenStatus::INVALID);
    if revoked && status.value() != TokenStatus::INVALID {
        return Err(TokenStatusError::Revoked(credential_id.to_owned()).into());
    }
    Ok(registry.set(credential_id, StatusPurpose::Message, status.value())?)
}

/// The claims of a Status List Token for `list` published at `uri`: `sub`, `iat`, `exp` and `ttl`
/// (seconds) when given, `iss` when given, and `status_list`.
///
/// # Errors
/// [`TokenStatusError::Malformed`] when `uri` is not a URI, `exp` is not after `iat`, or `ttl` is
/// zero.
pub fn status_list_token_claims(
    list: &TokenStatusList,
    uri: &str,
    iss: Option<&str>,
    iat: DateTime<Utc>,
    exp: Option<DateTime<Utc>>,
    ttl_seconds: Option<u64>,
) -> Result<Map<String, Value>, TokenStatusError> {
    if !crate::credential::is_url(uri) {
        return Err(TokenStatusError::Malformed(format!("`{uri}` is not a URI")));
    }
    let mut claims = Map::new();
    if let Some(iss) = iss {
        claims.insert("iss".into(), iss.into());
    }
    claims.insert("sub".into(), uri.into());
    claims.insert("iat".into(), iat.timestamp().into());
    if let Some(exp) = exp {
        if exp <= iat {
            return Err(TokenStatusError::Malformed(
                "the status list token must expire after it is issued".into(),
            ));
        }
        claims.insert("exp".into(), exp.timestamp().into());
    }
    if let Some(ttl) = ttl_seconds {
        if ttl == 0 {
            return Err(TokenStatusError::Malformed("ttl must be positive".into()));
        }
        claims.insert("ttl".into(), ttl.into());
    }
    claims.insert("status_list".into(), list.to_json());
    Ok(claims)
}

/// Signs `claims` (from [`status_list_token_claims`]) as a Status List Token: a compact JWS with
/// header `{"alg", "typ": "statuslist+jwt", "kid"}`.
///
/// # Errors
/// [`Error::Key`] when the signer fails.
pub fn sign_status_list_token(
    claims: &Map<String, Value>,
    kid: Option<&str>,
    signer: &dyn Signer,
) -> Result<String, Error> {
    jws::sign(claims, STATUS_LIST_JWT_TYPE, kid, &Map::new(), signer).map_err(|e| match e {
        JwsError::Key(key) => Error::Key(key),
        other => TokenStatusError::Jws(other).into(),
    })
}

/// The outcome of [`check_token_status`]: pass only for a VALID entry of a Status List Token
/// that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatusCheck {
    /// Whether the check passed.
    pub passed: bool,
    /// Why, in words a person can read: starts with `valid`, `revoked`, `suspended`, or says
    /// what was wrong.
    pub reason: String,
    /// The status read from the list, when it could be read.
    pub status: Option<TokenStatus>,
}

impl TokenStatusCheck {
    fn fail(reason: String) -> Self {
        TokenStatusCheck {
            passed: false,
            reason,
            status: None,
        }
    }
}

impl From<TokenStatusCheck> for (bool, String) {
    fn from(check: TokenStatusCheck) -> Self {
        (check.passed, check.reason)
    }
}

/// A JWT NumericDate (seconds since the epoch, possibly fractional).
fn numeric_date(value: &Value) -> Option<DateTime<Utc>> {
    if let Some(secs) = value.as_i64() {
        return DateTime::from_timestamp(secs, 0);
    }
    let secs = value.as_f64().filter(|s| s.is_finite())?;
    let whole = secs.floor();
    if whole < i64::MIN as f64 || whole > i64::MAX as f64 {
        return None;
    }
    DateTime::from_timestamp(whole as i64, ((secs - whole) * 1e9) as u32)
}

/// Checks a Referenced Token's status (draft §8.3), for verifiers of SD-JWT VCs and other JWTs.
///
/// - `status_claim`: the value of the Referenced Token's `status` claim (as [`status_claim`]
///   makes it), *not* the whole payload;
/// - `issuer_key`: the key the Referenced Token verified with; the Status List Token must be
///   signed by it (`alg` pinned to the key, `typ` `statuslist+jwt`, no unknown `crit`);
/// - `expected_issuer`: when given, a Status List Token that has an `iss` must name it (the
///   current draft no longer requires `iss`; the key is what binds the list to the issuer);
/// - `source`: gives the Status List Token's compact JWT text for `uri`;
/// - `now`, `skew`: the verifier's clock and the leeway allowed on `iat`, `nbf` and `exp`.
///
/// Passes (reason `valid`) only when the token is had, verifies, has `sub` equal to `uri`, was
/// not issued in the future, has not expired, and its list holds `idx` with 0x00 VALID. Fails with
/// `revoked` for 0x01 INVALID, `suspended` for 0x02 SUSPENDED, and a message naming any other
/// value (application-specific or unregistered: no statement the verifier can rely on). A token
/// that cannot be had or read fails the check, never passes it.
pub fn check_token_status(
    status_claim: &Value,
    issuer_key: &PublicKey,
    expected_issuer: Option<&str>,
    source: &dyn StatusSource,
    now: DateTime<Utc>,
    skew: chrono::Duration,
) -> TokenStatusCheck {
    let (uri, idx) = match parse_status_claim(status_claim) {
        Ok(reference) => reference,
        Err(e) => return TokenStatusCheck::fail(format!("unusable status claim: {e}")),
    };
    let Some(text) = source.status_list_credential(&uri) else {
        return TokenStatusCheck::fail(format!(
            "status list token {uri} cannot be had (missing from the status source)"
        ));
    };
    let list = match read_status_list_token(&uri, &text, issuer_key, expected_issuer, now, skew) {
        Ok(list) => list,
        Err(reason) => return TokenStatusCheck::fail(format!("status list token {uri} {reason}")),
    };
    let value = match list.get(idx) {
        Ok(value) => value,
        Err(e) => return TokenStatusCheck::fail(format!("status list token {uri}: {e}")),
    };
    let status = TokenStatus::from_value(value);
    let (passed, reason) = match status {
        TokenStatus::Valid => (true, format!("valid (index {idx} of {uri} is 0x00 VALID)")),
        TokenStatus::Invalid => (
            false,
            format!("revoked (index {idx} of {uri} is 0x01 INVALID)"),
        ),
        TokenStatus::Suspended => (
            false,
            format!("suspended (index {idx} of {uri} is 0x02 SUSPENDED)"),
        ),
        TokenStatus::Other(_) => (
            false,
            format!("index {idx} of {uri} has status {status}, which this verifier cannot accept"),
        ),
    };
    TokenStatusCheck {
        passed,
        reason,
        status: Some(status),
    }
}

/// `(uri, idx)` of a `status` claim value.
fn parse_status_claim(status: &Value) -> Result<(String, u64), TokenStatusError> {
    let bad = |why: &str| TokenStatusError::Malformed(why.to_owned());
    let reference = status
        .as_object()
        .ok_or_else(|| bad("the status claim is not an object"))?
        .get("status_list")
        .ok_or_else(|| bad("the status claim has no status_list (the only mechanism supported)"))?
        .as_object()
        .ok_or_else(|| bad("status_list is not an object"))?;
    let idx = match reference.get("idx") {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| bad("idx is not a non-negative integer"))?,
        _ => return Err(bad("status_list has no integer idx")),
    };
    let uri = reference
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("status_list has no string uri"))?;
    if !crate::credential::is_url(uri) {
        return Err(bad("status_list uri is not a URI"));
    }
    Ok((uri.to_owned(), idx))
}

/// Verifies the Status List Token `text` fetched for `uri` and decodes its list; the error says
/// what is wrong, as the end of a sentence starting with the token's name.
fn read_status_list_token(
    uri: &str,
    text: &str,
    key: &PublicKey,
    expected_issuer: Option<&str>,
    now: DateTime<Utc>,
    skew: chrono::Duration,
) -> Result<TokenStatusList, String> {
    if text.len() > MAX_TOKEN_BYTES {
        return Err(format!(
            "is {} bytes, more than the {MAX_TOKEN_BYTES}-byte limit",
            text.len()
        ));
    }
    let jws = Jws::decode(text.trim()).map_err(|e| format!("is not usable: {e}"))?;
    jws.verify(key, STATUS_LIST_JWT_TYPE)
        .map_err(|e| format!("does not verify with the issuer's key: {e}"))?;
    let claims = &jws.payload;
    match claims.get("sub") {
        Some(Value::String(sub)) if sub == uri => {}
        Some(Value::String(sub)) => {
            return Err(format!("has sub `{sub}`, not the uri it was fetched for"));
        }
        _ => return Err("has no string sub".into()),
    }
    match (claims.get("iss"), expected_issuer) {
        (None, _) | (Some(Value::String(_)), None) => {}
        (Some(Value::String(iss)), Some(expected)) if iss == expected => {}
        (Some(Value::String(iss)), Some(expected)) => {
            return Err(format!("is issued by `{iss}`, not by `{expected}`"));
        }
        (Some(_), _) => return Err("has an iss that is not a string".into()),
    }
    let date = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
        claims
            .get(name)
            .map(|v| numeric_date(v).ok_or_else(|| format!("has an unreadable {name}")))
            .transpose()
    };
    let late = now.checked_add_signed(skew).unwrap_or(now);
    let early = now.checked_sub_signed(skew).unwrap_or(now);
    let iat = date("iat")?.ok_or("has no iat")?;
    if iat > late {
        return Err(format!("is issued in the future (iat {iat})"));
    }
    if let Some(nbf) = date("nbf")?
        && nbf > late
    {
        return Err(format!("is not valid before {nbf}"));
    }
    if let Some(exp) = date("exp")?
        && exp <= early
    {
        return Err(format!("expired at {exp}"));
    }
    if let Some(ttl) = claims.get("ttl")
        && !ttl.as_f64().is_some_and(|t| t > 0.0)
    {
        return Err("has a ttl that is not a positive number".into());
    }
    let list = claims.get("status_list").ok_or("has no status_list")?;
    TokenStatusList::from_json(list).map_err(|e| format!("has an unusable status_list: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_order_is_least_significant_first() {
        let mut list = TokenStatusList::new(1, 16).unwrap();
        list.set(0, 1).unwrap();
        list.set(9, 1).unwrap();
        assert_eq!(list.bytes, [0b0000_0001, 0b0000_0010]);
        let mut two = TokenStatusList::new(2, 8).unwrap();
        two.set(1, 0b10).unwrap();
        two.set(3, 0b11).unwrap();
        assert_eq!(two.bytes[0], 0b1100_1000);
        assert_eq!(two.get(1).unwrap(), 2);
        let mut eight = TokenStatusList::new(8, 2).unwrap();
        eight.set(1, 0xff).unwrap();
        assert_eq!(eight.bytes, [0, 0xff]);
        assert_eq!(eight.get(1).unwrap(), 0xff);
    }

    #[test]
    fn set_overwrites_and_refuses_values_too_wide() {
        let mut list = TokenStatusList::new(4, 4).unwrap();
        list.set(1, 0xf).unwrap();
        list.set(1, 0x3).unwrap();
        assert_eq!(list.get(1).unwrap(), 3);
        assert_eq!(list.get(0).unwrap(), 0);
        assert!(matches!(
            list.set(0, 0x10),
            Err(TokenStatusError::ValueTooLarge { .. })
        ));
        assert!(matches!(
            list.get(4),
            Err(TokenStatusError::OutOfRange { .. })
        ));
    }

    #[test]
    fn sizes_and_bits_are_bounded() {
        assert!(matches!(
            TokenStatusList::new(3, 8),
            Err(TokenStatusError::Bits(3))
        ));
        assert!(matches!(
            TokenStatusList::new(8, MAX_BITS / 8 + 1),
            Err(TokenStatusError::TooLarge)
        ));
        assert!(matches!(
            TokenStatusList::new(8, u64::MAX),
            Err(TokenStatusError::TooLarge)
        ));
    }

    #[test]
    fn trailing_bytes_after_the_stream_are_refused() {
        let mut compressed = TokenStatusList::new(1, 16).unwrap().compressed();
        compressed.push(0);
        assert!(matches!(
            TokenStatusList::decompress(1, &compressed),
            Err(TokenStatusError::Encoding(_))
        ));
    }

    #[test]
    fn numeric_dates() {
        assert_eq!(numeric_date(&json!(0)), DateTime::from_timestamp(0, 0));
        assert_eq!(
            numeric_date(&json!(1.5)),
            DateTime::from_timestamp(1, 500_000_000)
        );
        assert_eq!(numeric_date(&json!("1")), None);
        assert_eq!(numeric_date(&json!(1e300)), None);
    }
}
