//! Recovery with trusted people: no provider, nothing lost.
//!
//! The wallet is backed up whole (credentials, software holder keys, activity log, settings;
//! record by record) as one ciphertext under a random backup key. The secret the key is
//! derived from is split k-of-n among *guardians* (people the citizen trusts) with Shamir
//! secret sharing and Feldman commitments over P-256, and each share is sealed with HPKE
//! (RFC 9180) to one guardian's key. The backup is opaque: anyone may keep it (a cloud drive,
//! a file, the guardians); without k shares it is noise.
//!
//! ```text
//! owner's wallet                 guardian's wallet                 new device
//! protect(wallet, k, guardians)
//!   backup ─────────────────────────────────────────────────────▶ (kept anywhere)
//!   lbs1.… (one per guardian) ─▶ keep(lbs1.…)
//!                                                                  DeviceRecovery::new(backup, key)
//!                                check_request(request) ◀───────── request (a signed JWS)
//!                                  short code  ◀── compared by phone or in person ──▶  short code
//!                                release(pending, code) ─ lbr1.… ▶ add_release(guardian, lbr1.…)
//!                                                                  … k times, then
//!                                                                  restore(storage, key)
//!                                                                    whole wallet back, then a
//!                                                                    rotation: epoch + 1
//! ```
//!
//! # A recovery that waits
//!
//! Guardians answer over hours or days, and the app may be stopped meanwhile. The new device
//! saves its side with [`DeviceRecovery::to_state`] (secret: the app keeps it in its keystore
//! or a sealed store) after each change, and picks it up with [`DeviceRecovery::resume`]
//! (the same backup and device key): the shares added are there, and an expired request is
//! replaced by a new one (a new short code) whose releases open as well as the old one's.
//!
//! # Epochs and rotation
//!
//! Every split has an epoch, bound into the backup and every share. After a recovery the
//! wallet [rotates](rotate): a new secret, a new backup and new shares under epoch + 1. Shares
//! of an earlier epoch are then refused ([`RecoveryError::StaleEpoch`]), and they would not
//! combine into the new backup's key anyway (its Feldman commitments are new).
//!
//! # Wire forms
//!
//! Integers are big-endian; `str16` is a 2-byte length and UTF-8 bytes.
//!
//! - **Guardian public key**: `lbg1.` ‖ base64url(32-byte X25519 public key).
//! - **Backup** (bytes): `"LBK"` ‖ `0x01` ‖ str16 holder DID ‖ u32 epoch ‖ u8 threshold k ‖ k
//!   Feldman commitments (SEC1 compressed P-256 points, 33 bytes each, the secret's first) ‖
//!   24-byte nonce ‖ XChaCha20-Poly1305 ciphertext and tag. The associated data is every byte
//!   before the nonce (so version, holder DID, epoch and commitments are bound). The key is
//!   HKDF-SHA256 (salt `lommebok-recovery-backup-v1`, info `backup key`) over the secret
//!   scalar's 32 bytes. The plaintext is u32 count ‖ per record: str16 kind ‖ str16 id ‖ u32
//!   length ‖ the record's plaintext.
//! - **Sealed share** (to a guardian): `lbs1.` ‖ base64url(`0x01` ‖ str16 holder DID ‖ u32
//!   epoch ‖ u8 index ‖ 32-byte HPKE encapsulated key ‖ 48-byte ciphertext). The HPKE suite is
//!   DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode; its `info` is
//!   `lommebok-recovery-share-v1` ‖ `0x00` ‖ the bytes before the encapsulated key; the
//!   plaintext is the share's 32-byte scalar. About 180 characters: one QR code.
//! - **Release** (a share re-sealed to a new device): `lbr1.` ‖ the same layout, `info`
//!   `lommebok-recovery-release-v1` ‖ `0x00` ‖ SHA-256(request) ‖ the header bytes, so a release
//!   opens only for the request it answers.
//! - **Recovery request**: a compact JWS (`typ` `lommebok-recovery+jwt`, signed by the new
//!   device's key through [`Signer`]) with the payload `{"wallet": holder DID, "epoch",
//!   "deviceKey": multibase public key, "hpke": base64url X25519 public key, "iat", "exp",
//!   "nonce"}`; it lives at most 15 minutes.
//! - **Short code**: 6 digits, SHA-256(`lommebok-recovery-code-v1` ‖ `0x00` ‖ request) read as
//!   a big-endian integer from its first 8 bytes, modulo 10⁶.
//!
//! # What the short code does not stop
//!
//! The code is a hash of the request alone, so someone who sits between the two phones, sees
//! the real request and can make requests of their own could try about a million of them to
//! find one with the same code before the guardian compares. The guardian should compare the
//! code with the owner directly (by phone or in person) and release only while the owner is
//! there; a later version can add the guardian's own random value to the code (a commitment
//! round) to take that away.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead as _, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Duration, Utc};
use hpke::{Deserializable as _, Kem as _, OpModeR, OpModeS, Serializable as _};
use p256::elliptic_curve::group::GroupEncoding as _;
use p256::elliptic_curve::{Group as _, PrimeField as _};
use p256::{NonZeroScalar, ProjectivePoint, Scalar};
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use vsss_rs::{FeldmanVerifierSet, IdentifierPrimeField, ReadableShareSet, ValueGroup};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::holder::{HolderWallet, HolderWalletError};
use super::store::{Record, SETTING, Storage, StoreError, StoreKey, WalletStore};
use crate::did::Did;
use crate::jws::{self, Jws};
use crate::key::{PublicKey, Signer};

/// Errors from backup and recovery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryError {
    /// The wallet store failed (a damaged record, the storage, a wrong key).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The restored wallet did not open (e.g. its holder key is a platform key, which a backup
    /// cannot carry).
    #[error(transparent)]
    Wallet(#[from] Box<HolderWalletError>),
    /// The input is not what it says it is: a truncated or overlong string, not base64url, a
    /// wrong prefix, bytes that do not parse.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read (`backup`, `sealed share`, `release`, `recovery request`, …).
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A sealed share or release does not open with this key: it was sealed to another
    /// guardian or device (or for another request), or changed on the way.
    #[error("this {what} is not sealed to this key, or it was changed on the way")]
    NotForThisKey {
        /// `sealed share` or `release`.
        what: &'static str,
    },
    /// The share, release or request is for another wallet than the one at hand.
    #[error("this is for the wallet {found}, not {expected}")]
    WrongWallet {
        /// The holder DID of the wallet at hand.
        expected: String,
        /// The holder DID it names.
        found: String,
    },
    /// The share is of an earlier epoch than the backup or request: a rotation revoked it.
    #[error("the share is of epoch {share}, revoked by a rotation (current epoch {current})")]
    StaleEpoch {
        /// The share's epoch.
        share: u32,
        /// The epoch it was compared with.
        current: u32,
    },
    /// The backup or request is of an earlier epoch than the share: a newer backup exists,
    /// made when the wallet last rotated.
    #[error(
        "the backup is of epoch {backup}, older than the share's {share}: use the newest backup"
    )]
    OutdatedBackup {
        /// The backup's (or request's) epoch.
        backup: u32,
        /// The share's epoch.
        share: u32,
    },
    /// The share does not match the backup's Feldman commitments: it was forged or corrupted.
    /// It is named and left out.
    #[error(
        "share {index} from {from} is forged or corrupted (it does not match the backup's commitments)"
    )]
    ForgedShare {
        /// The share's index.
        index: u8,
        /// Who it came from, as the app named them.
        from: String,
    },
    /// A share with this index was already added.
    #[error("share {index} (from {from}) was already added")]
    DuplicateShare {
        /// The share's index.
        index: u8,
        /// Who it came from this time.
        from: String,
    },
    /// Fewer shares than the threshold: nothing can be recovered from them.
    #[error("{have} of the {need} shares needed")]
    NotEnoughShares {
        /// Shares added.
        have: usize,
        /// The threshold.
        need: u8,
    },
    /// The backup does not open with the secret the shares give: its bytes were changed, or
    /// the shares are not this backup's.
    #[error("the backup does not open with these shares (changed, or not this backup's)")]
    BackupDamaged,
    /// The recovery request's signature does not verify.
    #[error("the recovery request's signature does not verify")]
    RequestSignature,
    /// The recovery request has expired.
    #[error("the recovery request expired at {expired_at}")]
    RequestExpired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The recovery request is dated in the future.
    #[error("the recovery request is dated {issued_at}, in the future")]
    RequestNotYetValid {
        /// When it says it was made.
        issued_at: DateTime<Utc>,
    },
    /// The short code typed is not the request's: the request may not be the owner's.
    #[error("the short code does not match the request")]
    WrongCode,
    /// This guardian keeps no share for the wallet asked about.
    #[error("no share kept for the wallet {wallet}")]
    NoShare {
        /// The holder DID asked about.
        wallet: String,
    },
    /// The wallet has no guardians yet ([`protect`] first).
    #[error("this wallet is not protected by guardians yet")]
    NotProtected,
    /// The threshold does not fit the guardians: it must be 2 ≤ k ≤ n ≤ 255.
    #[error("a threshold of {threshold} does not fit {guardians} guardians (2 ≤ k ≤ n ≤ 255)")]
    InvalidThreshold {
        /// The threshold asked for.
        threshold: u8,
        /// The number of guardians.
        guardians: usize,
    },
    /// The same guardian key twice (or a name that is empty or too long): a guardian holding
    /// two shares could recover alone.
    #[error("guardian {name}: {reason}")]
    InvalidGuardian {
        /// The guardian's name (cut to 64 characters).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A backup is only restored into an empty store.
    #[error("the store to restore into is not empty")]
    NotEmpty,
    /// A saved recovery ([`DeviceRecovery::to_state`]) is resumed with another backup than
    /// the one it was started with (another split), or with another device key.
    #[error("the saved recovery does not fit: {reason}")]
    StateMismatch {
        /// What does not fit.
        reason: String,
    },
    /// The device key could not sign the request.
    #[error("the device key could not sign: {0}")]
    Signing(String),
    /// A cryptographic operation failed for a reason other than the input (e.g. the system's
    /// random number generator).
    #[error("cryptographic failure: {0}")]
    Crypto(String),
}

impl From<HolderWalletError> for RecoveryError {
    fn from(error: HolderWalletError) -> Self {
        RecoveryError::Wallet(Box::new(error))
    }
}

// --- constants ---

const BACKUP_MAGIC: &[u8; 3] = b"LBK";
const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const POINT_LEN: usize = 33;
const SCALAR_LEN: usize = 32;
const HPKE_KEY_LEN: usize = 32;

const BACKUP_KEY_SALT: &[u8] = b"lommebok-recovery-backup-v1";
const BACKUP_KEY_INFO: &[u8] = b"backup key";
const SHARE_LABEL: &[u8] = b"lommebok-recovery-share-v1";
const RELEASE_LABEL: &[u8] = b"lommebok-recovery-release-v1";
const CODE_LABEL: &[u8] = b"lommebok-recovery-code-v1";

const STATE_MAGIC: &[u8; 3] = b"LRS";
/// How many earlier requests a recovery keeps (to open their late releases).
const MAX_EARLIER_REQUESTS: usize = 16;

const GUARDIAN_KEY_PREFIX: &str = "lbg1.";
const SHARE_PREFIX: &str = "lbs1.";
const RELEASE_PREFIX: &str = "lbr1.";
/// The JWS `typ` of a recovery request.
pub const REQUEST_TYPE: &str = "lommebok-recovery+jwt";
/// How long a recovery request lives.
pub const REQUEST_LIFETIME: Duration = Duration::minutes(15);
/// How far in the future a request may be dated (clocks differ).
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// The longest text (share, release, request, key) read, in bytes.
const MAX_TEXT: usize = 8 * 1024;

/// The owner's setting: epoch, threshold, the secret and commitments, the guardians.
const ROSTER_SETTING: &str = "recovery";
/// The guardian's setting: its HPKE key pair.
const GUARDIAN_KEY_SETTING: &str = "recovery-guardian-key";
/// The guardian's settings: one kept share per wallet, `recovery-share:<holder DID>`.
const KEPT_SHARE_SETTING: &str = "recovery-share:";

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::ChaCha20Poly1305;
type HpkeSecret = <Kem as hpke::Kem>::PrivateKey;
type HpkePublic = <Kem as hpke::Kem>::PublicKey;
type HpkeEncapped = <Kem as hpke::Kem>::EncappedKey;
/// A Shamir share: (identifier, value), both P-256 scalars.
type VsssShare = (IdentifierPrimeField<Scalar>, IdentifierPrimeField<Scalar>);
type Verifier = ValueGroup<ProjectivePoint>;

fn malformed(what: &'static str, reason: impl Into<String>) -> RecoveryError {
    RecoveryError::Malformed {
        what,
        reason: reason.into(),
    }
}

fn random<const N: usize>() -> Result<[u8; N], RecoveryError> {
    let mut bytes = [0u8; N];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| {
        RecoveryError::Crypto(format!("the system's random number generator failed: {e}"))
    })?;
    Ok(bytes)
}

// --- binary encoding ---

/// Appends a 2-byte length and `bytes`.
fn put_str16(out: &mut Vec<u8>, text: &str, what: &'static str) -> Result<(), RecoveryError> {
    let len = u16::try_from(text.len()).map_err(|_| malformed(what, "a text is too long"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// Reads what the `put_*` functions wrote, every length checked against what is left.
struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, what }
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], RecoveryError> {
        if self.bytes.len() < len {
            return Err(malformed(self.what, "truncated"));
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecoveryError> {
        let what = self.what;
        <[u8; N]>::try_from(self.take(N)?).map_err(|_| malformed(what, "truncated"))
    }

    fn u8(&mut self) -> Result<u8, RecoveryError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, RecoveryError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, RecoveryError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn str16(&mut self) -> Result<&'a str, RecoveryError> {
        let len = usize::from(self.u16()?);
        let what = self.what;
        std::str::from_utf8(self.take(len)?).map_err(|_| malformed(what, "a text is not UTF-8"))
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// `prefix` ‖ base64url(`bytes`).
fn encode_text(prefix: &str, bytes: &[u8]) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The bytes of `prefix` ‖ base64url(…), bounded.
fn decode_text(text: &str, prefix: &str, what: &'static str) -> Result<Vec<u8>, RecoveryError> {
    let text = text.trim();
    if text.len() > MAX_TEXT {
        return Err(malformed(what, "too long"));
    }
    let body = text
        .strip_prefix(prefix)
        .ok_or_else(|| malformed(what, format!("it does not start with `{prefix}`")))?;
    URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| malformed(what, "not base64url"))
}

// --- scalars and points ---

/// A P-256 scalar from 32 big-endian bytes, if it is below the group order.
fn scalar_from_bytes(bytes: &[u8; SCALAR_LEN]) -> Option<Scalar> {
    Option::from(Scalar::from_repr((*bytes).into()))
}

fn scalar_bytes(scalar: &Scalar) -> Zeroizing<[u8; SCALAR_LEN]> {
    let mut repr = scalar.to_repr();
    let mut bytes = Zeroizing::new([0u8; SCALAR_LEN]);
    bytes.copy_from_slice(&repr);
    repr[..].zeroize();
    bytes
}

fn point_from_bytes(bytes: &[u8; POINT_LEN]) -> Option<ProjectivePoint> {
    let mut repr = <ProjectivePoint as p256::elliptic_curve::group::GroupEncoding>::Repr::default();
    repr.copy_from_slice(bytes);
    let point: Option<ProjectivePoint> = Option::from(ProjectivePoint::from_bytes(&repr));
    point.filter(|point| !bool::from(point.is_identity()))
}

fn point_bytes(point: &ProjectivePoint) -> [u8; POINT_LEN] {
    let mut bytes = [0u8; POINT_LEN];
    bytes.copy_from_slice(&point.to_bytes());
    bytes
}

fn share_identifier(index: u8) -> IdentifierPrimeField<Scalar> {
    IdentifierPrimeField(Scalar::from(u64::from(index)))
}

// --- HPKE ---

fn hpke_public_from_bytes(bytes: &[u8]) -> Option<HpkePublic> {
    HpkePublic::from_bytes(bytes).ok()
}

fn hpke_public_bytes(public: &HpkePublic) -> [u8; HPKE_KEY_LEN] {
    let mut bytes = [0u8; HPKE_KEY_LEN];
    bytes.copy_from_slice(&public.to_bytes());
    bytes
}

fn hpke_info(label: &[u8], context: &[u8], header: &[u8]) -> Vec<u8> {
    let mut info = Vec::with_capacity(label.len() + 1 + context.len() + header.len());
    info.extend_from_slice(label);
    info.push(0);
    info.extend_from_slice(context);
    info.extend_from_slice(header);
    info
}

/// A share sealed with HPKE, to a guardian (`lbs1.`) or, released, to a new device (`lbr1.`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SealedShare {
    wallet: String,
    epoch: u32,
    index: u8,
    encapped: [u8; HPKE_KEY_LEN],
    ciphertext: Vec<u8>,
}

/// What a sealed share is and how its HPKE `info` starts.
#[derive(Clone, Copy)]
enum Sealing<'a> {
    /// To a guardian.
    Share,
    /// To a new device, for the request with this hash.
    Release(&'a [u8; 32]),
}

impl Sealing<'_> {
    fn prefix(self) -> &'static str {
        match self {
            Sealing::Share => SHARE_PREFIX,
            Sealing::Release(_) => RELEASE_PREFIX,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Sealing::Share => "sealed share",
            Sealing::Release(_) => "release",
        }
    }

    fn info(self, header: &[u8]) -> Vec<u8> {
        match self {
            Sealing::Share => hpke_info(SHARE_LABEL, &[], header),
            Sealing::Release(request) => hpke_info(RELEASE_LABEL, request, header),
        }
    }
}

impl SealedShare {
    fn header(
        wallet: &str,
        epoch: u32,
        index: u8,
        what: &'static str,
    ) -> Result<Vec<u8>, RecoveryError> {
        let mut header = vec![FORMAT_VERSION];
        put_str16(&mut header, wallet, what)?;
        header.extend_from_slice(&epoch.to_be_bytes());
        header.push(index);
        Ok(header)
    }

    /// Seals the share value `value` (index `index`) of `wallet`'s epoch `epoch` to `recipient`.
    fn seal(
        wallet: &str,
        epoch: u32,
        index: u8,
        value: &[u8; SCALAR_LEN],
        recipient: &HpkePublic,
        sealing: Sealing<'_>,
    ) -> Result<Self, RecoveryError> {
        let header = Self::header(wallet, epoch, index, sealing.what())?;
        let (encapped, ciphertext) = hpke::single_shot_seal::<HpkeAead, Kdf, Kem, _>(
            &OpModeS::Base,
            recipient,
            &sealing.info(&header),
            value,
            &[],
            &mut OsRng,
        )
        .map_err(|e| RecoveryError::Crypto(format!("HPKE sealing failed: {e}")))?;
        let mut encapped_bytes = [0u8; HPKE_KEY_LEN];
        encapped_bytes.copy_from_slice(&encapped.to_bytes());
        Ok(SealedShare {
            wallet: wallet.to_owned(),
            epoch,
            index,
            encapped: encapped_bytes,
            ciphertext,
        })
    }

    /// Opens the share value with `secret`.
    fn open(
        &self,
        secret: &HpkeSecret,
        sealing: Sealing<'_>,
    ) -> Result<Zeroizing<[u8; SCALAR_LEN]>, RecoveryError> {
        let not_ours = || RecoveryError::NotForThisKey {
            what: sealing.what(),
        };
        let header = Self::header(&self.wallet, self.epoch, self.index, sealing.what())?;
        let encapped = HpkeEncapped::from_bytes(&self.encapped).map_err(|_| not_ours())?;
        let plaintext = Zeroizing::new(
            hpke::single_shot_open::<HpkeAead, Kdf, Kem>(
                &OpModeR::Base,
                secret,
                &encapped,
                &sealing.info(&header),
                &self.ciphertext,
                &[],
            )
            .map_err(|_| not_ours())?,
        );
        let mut value = Zeroizing::new([0u8; SCALAR_LEN]);
        if plaintext.len() != SCALAR_LEN {
            return Err(not_ours());
        }
        value.copy_from_slice(&plaintext);
        Ok(value)
    }

    /// What a guardian says of it.
    fn kept(&self) -> KeptShare {
        KeptShare {
            wallet: self.wallet.clone(),
            epoch: self.epoch,
            index: self.index,
        }
    }

    fn encode(&self, sealing: Sealing<'_>) -> Result<String, RecoveryError> {
        let mut bytes = Self::header(&self.wallet, self.epoch, self.index, sealing.what())?;
        bytes.extend_from_slice(&self.encapped);
        bytes.extend_from_slice(&self.ciphertext);
        Ok(encode_text(sealing.prefix(), &bytes))
    }

    fn parse(text: &str, sealing: Sealing<'_>) -> Result<Self, RecoveryError> {
        let what = sealing.what();
        let bytes = decode_text(text, sealing.prefix(), what)?;
        let mut reader = Reader::new(&bytes, what);
        if reader.u8()? != FORMAT_VERSION {
            return Err(malformed(
                what,
                "a format version this version does not know",
            ));
        }
        let wallet = reader.str16()?.to_owned();
        let epoch = reader.u32()?;
        let index = reader.u8()?;
        if index == 0 {
            return Err(malformed(what, "share index 0"));
        }
        let encapped = reader.array::<HPKE_KEY_LEN>()?;
        let ciphertext = reader.rest().to_vec();
        if ciphertext.len() != SCALAR_LEN + TAG_LEN {
            return Err(malformed(what, "the ciphertext is not one share long"));
        }
        Ok(SealedShare {
            wallet,
            epoch,
            index,
            encapped,
            ciphertext,
        })
    }
}

// --- guardian keys ---

/// A guardian's public key: what the owner's wallet seals a share to.
///
/// Its text form is `lbg1.` followed by the base64url X25519 public key (49 characters).
#[derive(Clone, PartialEq, Eq)]
pub struct GuardianPublicKey([u8; HPKE_KEY_LEN]);

impl GuardianPublicKey {
    /// Reads the text form (`lbg1.…`).
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`].
    pub fn parse(text: &str) -> Result<Self, RecoveryError> {
        const WHAT: &str = "guardian key";
        let bytes = decode_text(text, GUARDIAN_KEY_PREFIX, WHAT)?;
        let bytes =
            <[u8; HPKE_KEY_LEN]>::try_from(bytes).map_err(|_| malformed(WHAT, "not 32 bytes"))?;
        hpke_public_from_bytes(&bytes).ok_or_else(|| malformed(WHAT, "not an X25519 key"))?;
        Ok(GuardianPublicKey(bytes))
    }

    fn hpke(&self) -> Result<HpkePublic, RecoveryError> {
        hpke_public_from_bytes(&self.0)
            .ok_or_else(|| malformed("guardian key", "not an X25519 key"))
    }
}

impl fmt::Display for GuardianPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_text(GUARDIAN_KEY_PREFIX, &self.0))
    }
}

impl fmt::Debug for GuardianPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GuardianPublicKey({self})")
    }
}

impl std::str::FromStr for GuardianPublicKey {
    type Err = RecoveryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// A person the owner trusts with a share: a name (for the owner's screens and errors) and
/// their [`GuardianPublicKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    /// The name the owner gave them.
    pub name: String,
    /// Their key.
    pub key: GuardianPublicKey,
}

impl Guardian {
    /// A guardian.
    pub fn new(name: impl Into<String>, key: GuardianPublicKey) -> Self {
        Guardian {
            name: name.into(),
            key,
        }
    }
}

// --- the owner's side: protect, refresh, rotate ---

/// One guardian's share, sealed to them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GuardianShare {
    /// The guardian's name.
    pub guardian: String,
    /// The share's index (1 to n).
    pub index: u8,
    /// The sealed share (`lbs1.…`), for the guardian's [`GuardianWallet::keep`].
    pub sealed: String,
}

/// What [`protect`] and [`rotate`] give: the backup, and a sealed share for each guardian.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Protection {
    /// The epoch of this split.
    pub epoch: u32,
    /// How many shares recover the wallet.
    pub threshold: u8,
    /// The backup: opaque bytes anyone may keep.
    pub backup: Vec<u8>,
    /// One sealed share per guardian, in the order given.
    pub shares: Vec<GuardianShare>,
}

/// The owner's record of the current split, kept sealed in the wallet (and so in the backup).
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct Roster {
    #[zeroize(skip)]
    epoch: u32,
    #[zeroize(skip)]
    threshold: u8,
    /// The secret scalar, base64url: kept so the backup can be refreshed under the same shares.
    secret: String,
    /// The Feldman commitments, base64url of their compressed points.
    #[zeroize(skip)]
    commitments: Vec<String>,
    #[zeroize(skip)]
    guardians: Vec<RosterGuardian>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterGuardian {
    name: String,
    key: String,
    index: u8,
}

impl Roster {
    fn load(store: &WalletStore) -> Result<Option<Self>, RecoveryError> {
        let Some(json) = store.setting_json(ROSTER_SETTING)? else {
            return Ok(None);
        };
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|_| StoreError::Corrupt("the recovery setting is not readable".into()).into())
    }

    fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, RecoveryError> {
        Ok(Zeroizing::new(serde_json::to_vec(self).map_err(|e| {
            StoreError::Invalid(format!("cannot encode the recovery setting: {e}"))
        })?))
    }

    fn save(&self, store: &WalletStore) -> Result<(), RecoveryError> {
        store.put_setting_json(ROSTER_SETTING, &self.to_json()?)?;
        Ok(())
    }

    fn secret(&self) -> Result<Scalar, RecoveryError> {
        let corrupt = || StoreError::Corrupt("the recovery secret is not readable".into());
        let bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(&self.secret)
                .map_err(|_| corrupt())?,
        );
        let bytes = <&[u8; SCALAR_LEN]>::try_from(bytes.as_slice()).map_err(|_| corrupt())?;
        Ok(scalar_from_bytes(bytes).ok_or_else(corrupt)?)
    }

    fn commitments(&self) -> Result<Vec<ProjectivePoint>, RecoveryError> {
        let corrupt = || StoreError::Corrupt("the recovery commitments are not readable".into());
        self.commitments
            .iter()
            .map(|text| {
                let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| corrupt())?;
                let bytes = <[u8; POINT_LEN]>::try_from(bytes).map_err(|_| corrupt())?;
                Ok(point_from_bytes(&bytes).ok_or_else(corrupt)?)
            })
            .collect()
    }
}

/// The longest guardian name accepted, in bytes.
pub const MAX_GUARDIAN_NAME: usize = 256;

/// Splits a new secret among `guardians`, `threshold` of whom recover the wallet, under the
/// epoch after the wallet's current one (1 for the first): records the split in the wallet
/// (sealed), then makes the backup and seals each guardian's share to them.
///
/// # Errors
/// [`RecoveryError::InvalidThreshold`] unless 2 ≤ `threshold` ≤ n ≤ 255;
/// [`RecoveryError::InvalidGuardian`] for a key given twice or a bad name; store errors
/// ([`StoreError::Tampered`] when a record does not open: a backup leaves nothing out).
pub fn protect(
    wallet: &HolderWallet,
    threshold: u8,
    guardians: &[Guardian],
) -> Result<Protection, RecoveryError> {
    let store = wallet.store();
    let invalid = || RecoveryError::InvalidThreshold {
        threshold,
        guardians: guardians.len(),
    };
    let count = u8::try_from(guardians.len()).map_err(|_| invalid())?;
    if threshold < 2 || threshold > count {
        return Err(invalid());
    }
    for (index, guardian) in guardians.iter().enumerate() {
        let bad = |reason: &str| RecoveryError::InvalidGuardian {
            name: guardian.name.chars().take(64).collect(),
            reason: reason.to_owned(),
        };
        if guardian.name.trim().is_empty() || guardian.name.len() > MAX_GUARDIAN_NAME {
            return Err(bad("a guardian's name must be 1 to 256 bytes"));
        }
        if guardians[..index].iter().any(|g| g.key == guardian.key) {
            return Err(bad(
                "the same key is given for two guardians: one person would hold two shares",
            ));
        }
    }
    let epoch = match Roster::load(store)? {
        Some(roster) => roster
            .epoch
            .checked_add(1)
            .ok_or_else(|| RecoveryError::Crypto("the epoch cannot grow further".into()))?,
        None => 1,
    };
    let secret = Zeroizing::new(*NonZeroScalar::random(&mut OsRng));
    let (mut shares, verifiers) = vsss_rs::feldman::split_secret::<VsssShare, Verifier>(
        usize::from(threshold),
        usize::from(count),
        &IdentifierPrimeField(*secret),
        None,
        OsRng,
    )
    .map_err(|e| RecoveryError::Crypto(format!("splitting the secret failed: {e}")))?;
    // `verifiers` is the generator followed by the k commitments.
    let commitments: Vec<ProjectivePoint> = verifiers
        .iter()
        .skip(1)
        .map(|verifier| verifier.0)
        .collect();
    let roster = Roster {
        epoch,
        threshold,
        secret: URL_SAFE_NO_PAD.encode(scalar_bytes(&secret).as_slice()),
        commitments: commitments
            .iter()
            .map(|point| URL_SAFE_NO_PAD.encode(point_bytes(point)))
            .collect(),
        guardians: guardians
            .iter()
            .zip(1..=count)
            .map(|(guardian, index)| RosterGuardian {
                name: guardian.name.clone(),
                key: guardian.key.to_string(),
                index,
            })
            .collect(),
    };
    drop(secret);
    // The backup carries the new roster; the wallet records it only once the backup and
    // every share are made, so a failure half-way leaves the current split as it was.
    let backup = seal_backup(store, wallet.did(), &roster)?;
    let mut sealed = Vec::with_capacity(guardians.len());
    for ((guardian, index), share) in guardians.iter().zip(1..=count).zip(&shares) {
        if share.0 != share_identifier(index) {
            return Err(RecoveryError::Crypto(
                "the shares are not numbered 1 to n".into(),
            ));
        }
        let value = scalar_bytes(&share.1.0);
        let share = SealedShare::seal(
            wallet.did().as_str(),
            epoch,
            index,
            &value,
            &guardian.key.hpke()?,
            Sealing::Share,
        )?;
        sealed.push(GuardianShare {
            guardian: guardian.name.clone(),
            index,
            sealed: share.encode(Sealing::Share)?,
        });
    }
    for share in &mut shares {
        share.1.0.zeroize();
    }
    roster.save(store)?;
    Ok(Protection {
        epoch,
        threshold,
        backup,
        shares: sealed,
    })
}

/// A new backup of the wallet as it is now, under the current split (the guardians' shares
/// stay valid): for after credentials were added or the log grew.
///
/// # Errors
/// [`RecoveryError::NotProtected`] before [`protect`]; store errors.
pub fn refresh_backup(wallet: &HolderWallet) -> Result<Vec<u8>, RecoveryError> {
    let store = wallet.store();
    let roster = Roster::load(store)?.ok_or(RecoveryError::NotProtected)?;
    seal_backup(store, wallet.did(), &roster)
}

/// Rotates: a new secret, backup and shares for the same guardians and threshold, under the
/// next epoch. Shares of earlier epochs are useless from then on.
///
/// # Errors
/// [`RecoveryError::NotProtected`] before [`protect`]; as [`protect`].
pub fn rotate(wallet: &HolderWallet) -> Result<Protection, RecoveryError> {
    let roster = Roster::load(wallet.store())?.ok_or(RecoveryError::NotProtected)?;
    let guardians = roster
        .guardians
        .iter()
        .map(|guardian| {
            Ok(Guardian::new(
                guardian.name.clone(),
                GuardianPublicKey::parse(&guardian.key)?,
            ))
        })
        .collect::<Result<Vec<_>, RecoveryError>>()?;
    protect(wallet, roster.threshold, &guardians)
}

// --- the backup ---

/// The backup key: HKDF-SHA256 over the secret scalar's bytes.
fn backup_key(secret: &Scalar) -> Result<Zeroizing<[u8; 32]>, RecoveryError> {
    let ikm = scalar_bytes(secret);
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(Some(BACKUP_KEY_SALT), ikm.as_slice())
        .expand(BACKUP_KEY_INFO, key.as_mut())
        .map_err(|_| RecoveryError::Crypto("HKDF failed".into()))?;
    Ok(key)
}

fn backup_cipher(secret: &Scalar) -> Result<XChaCha20Poly1305, RecoveryError> {
    XChaCha20Poly1305::new_from_slice(backup_key(secret)?.as_slice())
        .map_err(|_| RecoveryError::Crypto("the backup key is not 32 bytes".into()))
}

fn backup_header(
    wallet: &Did,
    epoch: u32,
    commitments: &[ProjectivePoint],
) -> Result<Vec<u8>, RecoveryError> {
    let threshold = u8::try_from(commitments.len())
        .map_err(|_| RecoveryError::Crypto("too many commitments".into()))?;
    let mut header = BACKUP_MAGIC.to_vec();
    header.push(FORMAT_VERSION);
    put_str16(&mut header, wallet.as_str(), "backup")?;
    header.extend_from_slice(&epoch.to_be_bytes());
    header.push(threshold);
    for point in commitments {
        header.extend_from_slice(&point_bytes(point));
    }
    Ok(header)
}

/// Every record of `store`, with `roster` as its recovery setting, sealed under the backup key
/// of `roster`'s secret.
fn seal_backup(
    store: &WalletStore,
    wallet: &Did,
    roster: &Roster,
) -> Result<Vec<u8>, RecoveryError> {
    let cipher = backup_cipher(&Zeroizing::new(roster.secret()?))?;
    let commitments = roster.commitments()?;
    let mut records: Vec<Record> = store
        .records()?
        .into_iter()
        .filter(|record| !(record.kind == SETTING && record.id == ROSTER_SETTING))
        .collect();
    records.push(Record {
        kind: SETTING.to_owned(),
        id: ROSTER_SETTING.to_owned(),
        plaintext: roster.to_json()?,
    });
    let mut plaintext = Zeroizing::new(Vec::new());
    let count = u32::try_from(records.len())
        .map_err(|_| StoreError::Invalid("too many records to back up".into()))?;
    plaintext.extend_from_slice(&count.to_be_bytes());
    for record in &records {
        put_str16(&mut plaintext, &record.kind, "backup")?;
        put_str16(&mut plaintext, &record.id, "backup")?;
        let len = u32::try_from(record.plaintext.len())
            .map_err(|_| StoreError::Invalid(format!("record `{}` is too long", record.id)))?;
        plaintext.extend_from_slice(&len.to_be_bytes());
        plaintext.extend_from_slice(&record.plaintext);
    }
    let mut backup = backup_header(wallet, roster.epoch, &commitments)?;
    let nonce = random::<NONCE_LEN>()?;
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &plaintext,
                aad: &backup,
            },
        )
        .map_err(|_| RecoveryError::Crypto("cannot seal the backup".into()))?;
    backup.extend_from_slice(&nonce);
    backup.extend_from_slice(&ciphertext);
    Ok(backup)
}

/// A backup, read (not opened): whose it is, its epoch, threshold and commitments.
#[derive(Clone)]
pub struct Backup {
    wallet: Did,
    epoch: u32,
    commitments: Vec<ProjectivePoint>,
    /// The associated data: every byte before the nonce.
    header: Vec<u8>,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl fmt::Debug for Backup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backup")
            .field("wallet", &self.wallet)
            .field("epoch", &self.epoch)
            .field("threshold", &self.threshold())
            .finish_non_exhaustive()
    }
}

impl Backup {
    /// Reads a backup's header.
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`].
    pub fn parse(bytes: &[u8]) -> Result<Self, RecoveryError> {
        const WHAT: &str = "backup";
        let mut reader = Reader::new(bytes, WHAT);
        if reader.array::<3>()? != *BACKUP_MAGIC {
            return Err(malformed(WHAT, "not a lommebok backup"));
        }
        if reader.u8()? != FORMAT_VERSION {
            return Err(malformed(
                WHAT,
                "a format version this version does not know",
            ));
        }
        let wallet =
            Did::parse(reader.str16()?).map_err(|_| malformed(WHAT, "the holder is not a DID"))?;
        let epoch = reader.u32()?;
        let threshold = reader.u8()?;
        if threshold < 2 {
            return Err(malformed(WHAT, "a threshold below 2"));
        }
        let commitments = (0..threshold)
            .map(|_| {
                point_from_bytes(&reader.array::<POINT_LEN>()?)
                    .ok_or_else(|| malformed(WHAT, "a commitment is not a P-256 point"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let header_len = bytes.len() - reader.bytes.len();
        let nonce = reader.array::<NONCE_LEN>()?;
        let ciphertext = reader.rest().to_vec();
        if ciphertext.len() < TAG_LEN {
            return Err(malformed(WHAT, "truncated"));
        }
        Ok(Backup {
            wallet,
            epoch,
            commitments,
            header: bytes[..header_len].to_vec(),
            nonce,
            ciphertext,
        })
    }

    /// The holder DID of the wallet backed up.
    pub fn wallet(&self) -> &Did {
        &self.wallet
    }

    /// The epoch of the split.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// How many shares open it.
    pub fn threshold(&self) -> u8 {
        // At most 255 commitments are read.
        u8::try_from(self.commitments.len()).unwrap_or(u8::MAX)
    }

    /// Whether share `index` with value `value` fits the Feldman commitments.
    fn verifies(&self, index: u8, value: &Scalar) -> bool {
        let mut set: Vec<Verifier> = Vec::with_capacity(self.commitments.len() + 1);
        set.push(ValueGroup(ProjectivePoint::GENERATOR));
        set.extend(self.commitments.iter().map(|point| ValueGroup(*point)));
        let share: VsssShare = (share_identifier(index), IdentifierPrimeField(*value));
        FeldmanVerifierSet::<VsssShare, Verifier>::verify_share(&set, &share).is_ok()
    }

    /// Opens the backup with the secret `shares` combine into.
    fn open(&self, shares: &[VsssShare]) -> Result<Vec<Record>, RecoveryError> {
        let secret = ReadableShareSet::<VsssShare>::combine(&shares)
            .map_err(|_| RecoveryError::BackupDamaged)?;
        let mut secret = secret.0;
        // The first commitment is the secret times the generator.
        let fits = self.commitments.first() == Some(&(ProjectivePoint::GENERATOR * secret));
        let cipher = backup_cipher(&secret);
        secret.zeroize();
        if !fits {
            return Err(RecoveryError::BackupDamaged);
        }
        let plaintext = Zeroizing::new(
            cipher?
                .decrypt(
                    &XNonce::from(self.nonce),
                    Payload {
                        msg: &self.ciphertext,
                        aad: &self.header,
                    },
                )
                .map_err(|_| RecoveryError::BackupDamaged)?,
        );
        let mut reader = Reader::new(&plaintext, "backup contents");
        let count = reader.u32()?;
        let mut records = Vec::new();
        for _ in 0..count {
            let kind = reader.str16()?.to_owned();
            let id = reader.str16()?.to_owned();
            let len = usize::try_from(reader.u32()?)
                .map_err(|_| malformed("backup contents", "a record is too long"))?;
            let plaintext = Zeroizing::new(reader.take(len)?.to_vec());
            records.push(Record {
                kind,
                id,
                plaintext,
            });
        }
        if !reader.is_empty() {
            return Err(malformed("backup contents", "bytes after the last record"));
        }
        Ok(records)
    }

    /// The backup as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.header.clone();
        bytes.extend_from_slice(&self.nonce);
        bytes.extend_from_slice(&self.ciphertext);
        bytes
    }
}

// --- the recovery request ---

/// SHA-256 of the request's compact form.
fn request_hash(request: &str) -> [u8; 32] {
    Sha256::digest(request.as_bytes()).into()
}

/// The 6-digit short code of a request.
fn short_code(request: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(CODE_LABEL);
    hasher.update([0]);
    hasher.update(request.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("{:06}", u64::from_be_bytes(first) % 1_000_000)
}

/// The digits of a code as typed (spaces and dashes left out).
fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// What a recovery request says, once its signature has been checked.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecoveryRequest {
    /// The wallet to recover (holder DID).
    pub wallet: Did,
    /// The epoch of the backup the device holds.
    pub epoch: u32,
    /// The new device's key, which signed the request.
    pub device_key: PublicKey,
    /// When it was made.
    pub issued_at: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    hpke: [u8; HPKE_KEY_LEN],
    hash: [u8; 32],
    code: String,
}

impl RecoveryRequest {
    /// Signs a request through `device` for `wallet`'s epoch `epoch`, with the device's HPKE
    /// public key, made at `issued_at`.
    fn sign(
        device: &dyn Signer,
        wallet: &Did,
        epoch: u32,
        hpke: &[u8; HPKE_KEY_LEN],
        issued_at: DateTime<Utc>,
        nonce: &[u8; 16],
    ) -> Result<String, RecoveryError> {
        let mut payload = Map::new();
        payload.insert("wallet".into(), wallet.as_str().into());
        payload.insert("epoch".into(), epoch.into());
        payload.insert(
            "deviceKey".into(),
            device.public_key().to_multibase().into(),
        );
        payload.insert("hpke".into(), URL_SAFE_NO_PAD.encode(hpke).into());
        payload.insert("iat".into(), issued_at.timestamp().into());
        payload.insert(
            "exp".into(),
            (issued_at + REQUEST_LIFETIME).timestamp().into(),
        );
        payload.insert("nonce".into(), URL_SAFE_NO_PAD.encode(nonce).into());
        jws::sign(&payload, REQUEST_TYPE, None, &Map::new(), device)
            .map_err(|e| RecoveryError::Signing(e.to_string()))
    }

    /// Checks a request's signature (by the key it carries) and its time at `now`.
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`], [`RecoveryError::RequestSignature`],
    /// [`RecoveryError::RequestExpired`], [`RecoveryError::RequestNotYetValid`].
    pub fn verify_at(request: &str, now: DateTime<Utc>) -> Result<Self, RecoveryError> {
        const WHAT: &str = "recovery request";
        let request = request.trim();
        if request.len() > MAX_TEXT {
            return Err(malformed(WHAT, "too long"));
        }
        let jws = Jws::decode(request).map_err(|e| malformed(WHAT, e.to_string()))?;
        let text = |name: &str| {
            jws.payload
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(WHAT, format!("no `{name}`")))
        };
        let number = |name: &str| {
            jws.payload
                .get(name)
                .and_then(Value::as_i64)
                .ok_or_else(|| malformed(WHAT, format!("no `{name}`")))
        };
        let device_key = PublicKey::from_multibase(text("deviceKey")?)
            .map_err(|_| malformed(WHAT, "`deviceKey` is not a public key"))?;
        jws.verify(&device_key, REQUEST_TYPE)
            .map_err(|_| RecoveryError::RequestSignature)?;
        let wallet =
            Did::parse(text("wallet")?).map_err(|_| malformed(WHAT, "`wallet` is not a DID"))?;
        let epoch = u32::try_from(number("epoch")?)
            .map_err(|_| malformed(WHAT, "`epoch` is out of range"))?;
        let hpke = URL_SAFE_NO_PAD
            .decode(text("hpke")?)
            .ok()
            .and_then(|bytes| <[u8; HPKE_KEY_LEN]>::try_from(bytes).ok())
            .filter(|bytes| hpke_public_from_bytes(bytes).is_some())
            .ok_or_else(|| malformed(WHAT, "`hpke` is not an X25519 key"))?;
        let time = |name: &str| {
            DateTime::from_timestamp(number(name)?, 0)
                .ok_or_else(|| malformed(WHAT, format!("`{name}` is out of range")))
        };
        let issued_at = time("iat")?;
        let expires_at = time("exp")?;
        if expires_at <= issued_at || expires_at - issued_at > REQUEST_LIFETIME {
            return Err(malformed(WHAT, "it lives longer than 15 minutes"));
        }
        if issued_at > now + CLOCK_SKEW {
            return Err(RecoveryError::RequestNotYetValid { issued_at });
        }
        if now > expires_at {
            return Err(RecoveryError::RequestExpired {
                expired_at: expires_at,
            });
        }
        Ok(RecoveryRequest {
            wallet,
            epoch,
            device_key,
            issued_at,
            expires_at,
            hpke,
            hash: request_hash(request),
            code: short_code(request),
        })
    }

    /// The short code (6 digits) to compare with the one on the new device.
    pub fn short_code(&self) -> &str {
        &self.code
    }
}

// --- the new device ---

/// A share released to this device, checked.
struct Released {
    index: u8,
    value: Zeroizing<[u8; SCALAR_LEN]>,
}

/// The new device's side of a recovery: the backup, a signed request with its short code,
/// and the shares released so far.
pub struct DeviceRecovery {
    backup: Backup,
    request: String,
    hash: [u8; 32],
    code: String,
    expires_at: DateTime<Utc>,
    /// Earlier requests of this recovery (renewed when they expired), oldest first: a release
    /// answering one of them still opens.
    earlier: Vec<String>,
    /// The device key that signs the requests (multibase).
    device_key: String,
    secret: HpkeSecret,
    released: Vec<Released>,
}

impl fmt::Debug for DeviceRecovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRecovery")
            .field("backup", &self.backup)
            .field("released", &self.released.len())
            .finish_non_exhaustive()
    }
}

/// What [`DeviceRecovery::restore`] gives: the wallet back, and the new split to hand out.
#[derive(Debug)]
#[non_exhaustive]
pub struct Restored {
    /// The wallet, restored into the new store and opened with its new store key.
    pub wallet: HolderWallet,
    /// The rotation made right after: the new backup (epoch + 1) and the guardians' new
    /// shares. Until they are handed out, the old backup and shares still recover the wallet
    /// as it was.
    pub protection: Protection,
}

impl DeviceRecovery {
    /// Starts recovering the wallet in `backup`, now: see [`DeviceRecovery::new_at`].
    ///
    /// # Errors
    /// As [`DeviceRecovery::new_at`].
    pub fn new(backup: &[u8], device: &dyn Signer) -> Result<Self, RecoveryError> {
        Self::new_at(backup, device, Utc::now())
    }

    /// Starts recovering the wallet in `backup`: a fresh HPKE key pair for the releases, and a
    /// recovery request signed through `device` (the new device's key) at `now`.
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`] when `backup` is not one; [`RecoveryError::Signing`].
    pub fn new_at(
        backup: &[u8],
        device: &dyn Signer,
        now: DateTime<Utc>,
    ) -> Result<Self, RecoveryError> {
        let backup = Backup::parse(backup)?;
        let (secret, _) = Kem::gen_keypair(&mut OsRng);
        let request = sign_request(device, &backup, &secret, now)?;
        Ok(DeviceRecovery {
            hash: request_hash(&request),
            code: short_code(&request),
            expires_at: now + REQUEST_LIFETIME,
            earlier: Vec::new(),
            device_key: device.public_key().to_multibase(),
            backup,
            request,
            secret,
            released: Vec::new(),
        })
    }

    /// Replaces the request with a new one, now: see [`DeviceRecovery::renew_request_at`].
    ///
    /// # Errors
    /// As [`DeviceRecovery::renew_request_at`].
    pub fn renew_request(&mut self, device: &dyn Signer) -> Result<(), RecoveryError> {
        self.renew_request_at(device, Utc::now())
    }

    /// Signs a new request (with the same HPKE key, so a new short code) through `device` at
    /// `now`, since a request lives only [`REQUEST_LIFETIME`]. Releases answering the earlier
    /// requests of this recovery still open; shares added stay.
    ///
    /// # Errors
    /// [`RecoveryError::StateMismatch`] when `device` is not the key the recovery started with;
    /// [`RecoveryError::Signing`].
    pub fn renew_request_at(
        &mut self,
        device: &dyn Signer,
        now: DateTime<Utc>,
    ) -> Result<(), RecoveryError> {
        if device.public_key().to_multibase() != self.device_key {
            return Err(RecoveryError::StateMismatch {
                reason: "the recovery was started with another device key".into(),
            });
        }
        let request = sign_request(device, &self.backup, &self.secret, now)?;
        let earlier = std::mem::replace(&mut self.request, request);
        self.earlier.push(earlier);
        // A release is made within a request's lifetime; far older requests are let go.
        if self.earlier.len() > MAX_EARLIER_REQUESTS {
            self.earlier.remove(0);
        }
        self.hash = request_hash(&self.request);
        self.code = short_code(&self.request);
        self.expires_at = now + REQUEST_LIFETIME;
        Ok(())
    }

    /// When the current request expires: after that, guardians refuse it
    /// ([`DeviceRecovery::renew_request`]).
    pub fn request_expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The recovery so far, to keep while the guardians answer (hours, days) and to
    /// [`resume`](DeviceRecovery::resume) after the app was stopped: the HPKE secret key
    /// releases are sealed to, the requests made, and the shares added (opened).
    ///
    /// **It is secret**: with the backup, the shares in it are part of what recovers the
    /// wallet, and the key opens the releases still to come. Keep it where the app keeps
    /// keys (the platform keystore, or a store sealed under a key kept there), never in
    /// plain files or backups; delete it once the wallet is restored. The bytes are wiped
    /// when dropped.
    ///
    /// The form (integers big-endian, `str16` as in the wire forms): `"LRS"` ‖ `0x01` ‖ str16
    /// holder DID ‖ u32 epoch ‖ SHA-256 of the backup's header ‖ str16 device key (multibase)
    /// ‖ 32-byte HPKE secret key ‖ u8 count r ≥ 1 ‖ r × (i64 expiry ‖ str16 request), the
    /// current one last ‖ u8 count s ‖ s × (u8 index ‖ 32-byte share).
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`] when a request or the DID is too long to encode.
    pub fn to_state(&self) -> Result<Zeroizing<Vec<u8>>, RecoveryError> {
        const WHAT: &str = "recovery state";
        let mut state = Zeroizing::new(STATE_MAGIC.to_vec());
        state.push(FORMAT_VERSION);
        put_str16(&mut state, self.backup.wallet.as_str(), WHAT)?;
        state.extend_from_slice(&self.backup.epoch.to_be_bytes());
        state.extend_from_slice(&Sha256::digest(&self.backup.header));
        put_str16(&mut state, &self.device_key, WHAT)?;
        let mut secret = self.secret.to_bytes();
        state.extend_from_slice(&secret);
        secret[..].zeroize();
        let requests = u8::try_from(self.earlier.len() + 1)
            .map_err(|_| malformed(WHAT, "too many requests"))?;
        state.push(requests);
        for (i, request) in self.earlier.iter().chain([&self.request]).enumerate() {
            let expires_at = if i == self.earlier.len() {
                self.expires_at
            } else {
                // Earlier requests are kept only to open their releases.
                DateTime::<Utc>::UNIX_EPOCH
            };
            state.extend_from_slice(&expires_at.timestamp().to_be_bytes());
            put_str16(&mut state, request, WHAT)?;
        }
        let shares =
            u8::try_from(self.released.len()).map_err(|_| malformed(WHAT, "too many shares"))?;
        state.push(shares);
        for released in &self.released {
            state.push(released.index);
            state.extend_from_slice(released.value.as_slice());
        }
        Ok(state)
    }

    /// Resumes a recovery saved with [`DeviceRecovery::to_state`], now: see
    /// [`DeviceRecovery::resume_at`].
    ///
    /// # Errors
    /// As [`DeviceRecovery::resume_at`].
    pub fn resume(state: &[u8], backup: &[u8], device: &dyn Signer) -> Result<Self, RecoveryError> {
        Self::resume_at(state, backup, device, Utc::now())
    }

    /// Resumes a recovery saved with [`DeviceRecovery::to_state`], with the backup it was
    /// started with (or the same split's refreshed backup) and the same device key. The
    /// shares added before are there; when the saved request has expired (or has less than
    /// a minute left) at `now`, a new one is signed through `device` (a new short code),
    /// and releases answering the earlier one still open.
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`] when `state` or `backup` is not one (garbage, cut short,
    /// changed); [`RecoveryError::WrongWallet`] when the backup is another wallet's;
    /// [`RecoveryError::StateMismatch`] when it is another split's (another epoch, or new
    /// commitments) or `device` is another key; [`RecoveryError::Signing`].
    pub fn resume_at(
        state: &[u8],
        backup: &[u8],
        device: &dyn Signer,
        now: DateTime<Utc>,
    ) -> Result<Self, RecoveryError> {
        const WHAT: &str = "recovery state";
        let backup = Backup::parse(backup)?;
        let mut reader = Reader::new(state, WHAT);
        if reader.array::<3>()? != *STATE_MAGIC {
            return Err(malformed(WHAT, "not a saved lommebok recovery"));
        }
        if reader.u8()? != FORMAT_VERSION {
            return Err(malformed(
                WHAT,
                "a format version this version does not know",
            ));
        }
        let wallet = reader.str16()?;
        if wallet != backup.wallet.as_str() {
            return Err(RecoveryError::WrongWallet {
                expected: wallet.to_owned(),
                found: backup.wallet.to_string(),
            });
        }
        let epoch = reader.u32()?;
        let header_hash = reader.array::<32>()?;
        if epoch != backup.epoch || header_hash != <[u8; 32]>::from(Sha256::digest(&backup.header))
        {
            return Err(RecoveryError::StateMismatch {
                reason: format!(
                    "it was started with another backup of this wallet (epoch {epoch}; this \
                     backup's is {})",
                    backup.epoch
                ),
            });
        }
        let device_key = reader.str16()?.to_owned();
        if device.public_key().to_multibase() != device_key {
            return Err(RecoveryError::StateMismatch {
                reason: "it was started with another device key".into(),
            });
        }
        let secret = Zeroizing::new(reader.array::<HPKE_KEY_LEN>()?);
        let secret = HpkeSecret::from_bytes(secret.as_slice())
            .map_err(|_| malformed(WHAT, "the key is not an X25519 key"))?;
        let count = reader.u8()?;
        if count == 0 {
            return Err(malformed(WHAT, "no request"));
        }
        let mut requests = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let expires_at = DateTime::from_timestamp(i64::from_be_bytes(reader.array()?), 0)
                .ok_or_else(|| malformed(WHAT, "an expiry is out of range"))?;
            requests.push((expires_at, reader.str16()?.to_owned()));
        }
        let mut released: Vec<Released> = Vec::new();
        for _ in 0..reader.u8()? {
            let index = reader.u8()?;
            let value = Zeroizing::new(reader.array::<SCALAR_LEN>()?);
            let mut scalar = scalar_from_bytes(&value)
                .ok_or_else(|| malformed(WHAT, "a share is not a scalar"))?;
            let fits = index != 0 && backup.verifies(index, &scalar);
            scalar.zeroize();
            if !fits || released.iter().any(|r| r.index == index) {
                return Err(malformed(WHAT, "a share does not fit the backup"));
            }
            released.push(Released { index, value });
        }
        if !reader.is_empty() {
            return Err(malformed(WHAT, "bytes after the last share"));
        }
        let Some((expires_at, request)) = requests.pop() else {
            return Err(malformed(WHAT, "no request"));
        };
        let mut recovery = DeviceRecovery {
            hash: request_hash(&request),
            code: short_code(&request),
            expires_at,
            earlier: requests.into_iter().map(|(_, request)| request).collect(),
            device_key,
            backup,
            request,
            secret,
            released,
        };
        if recovery.expires_at - now < Duration::minutes(1) {
            recovery.renew_request_at(device, now)?;
        }
        Ok(recovery)
    }

    /// The backup being recovered.
    pub fn backup(&self) -> &Backup {
        &self.backup
    }

    /// The recovery request (a compact JWS) to send to each guardian.
    pub fn request(&self) -> &str {
        &self.request
    }

    /// The short code to show, for each guardian to compare.
    pub fn short_code(&self) -> &str {
        &self.code
    }

    /// How many shares have been added.
    pub fn shares(&self) -> usize {
        self.released.len()
    }

    /// Adds a share a guardian released (`lbr1.…`); `from` names the guardian (for errors).
    /// Returns the share's index.
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`]; [`RecoveryError::WrongWallet`];
    /// [`RecoveryError::StaleEpoch`] / [`RecoveryError::OutdatedBackup`];
    /// [`RecoveryError::NotForThisKey`] when it was released to another device or request;
    /// [`RecoveryError::ForgedShare`] when it does not match the commitments;
    /// [`RecoveryError::DuplicateShare`]. A share refused is not kept.
    pub fn add_release(&mut self, from: &str, release: &str) -> Result<u8, RecoveryError> {
        let sealing = Sealing::Release(&self.hash);
        let share = SealedShare::parse(release, sealing)?;
        check_share_for(&share, &self.backup.wallet, self.backup.epoch)?;
        // The current request first, then the earlier ones, newest first.
        let value = match share.open(&self.secret, sealing) {
            Ok(value) => value,
            Err(error) => self
                .earlier
                .iter()
                .rev()
                .find_map(|earlier| {
                    share
                        .open(&self.secret, Sealing::Release(&request_hash(earlier)))
                        .ok()
                })
                .ok_or(error)?,
        };
        let forged = || RecoveryError::ForgedShare {
            index: share.index,
            from: from.to_owned(),
        };
        let mut scalar = scalar_from_bytes(&value).ok_or_else(forged)?;
        let fits = self.backup.verifies(share.index, &scalar);
        scalar.zeroize();
        if !fits {
            return Err(forged());
        }
        if self.released.iter().any(|r| r.index == share.index) {
            return Err(RecoveryError::DuplicateShare {
                index: share.index,
                from: from.to_owned(),
            });
        }
        self.released.push(Released {
            index: share.index,
            value,
        });
        Ok(share.index)
    }

    /// The records of the backup, opened with the shares added.
    /// Whether the wallet being recovered used a platform holder key (not in the backup): it
    /// is then restored with [`DeviceRecovery::restore_with_platform_key`]. Needs the shares.
    ///
    /// # Errors
    /// As the first step of [`DeviceRecovery::restore`]: too few shares, a backup that does
    /// not open.
    pub fn holder_key_is_platform(&self) -> Result<bool, RecoveryError> {
        let records = self.open_backup()?;
        Ok(records
            .iter()
            .find(|r| {
                r.kind == crate::wallet::store::SETTING && r.id == super::holder::HOLDER_SETTING
            })
            .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.plaintext).ok())
            .is_some_and(|holder| {
                holder.get("kind").and_then(serde_json::Value::as_str)
                    == Some(super::holder::PLATFORM)
            }))
    }

    fn open_backup(&self) -> Result<Vec<Record>, RecoveryError> {
        let need = self.backup.threshold();
        if self.released.len() < usize::from(need) {
            return Err(RecoveryError::NotEnoughShares {
                have: self.released.len(),
                need,
            });
        }
        open_with(&self.backup, &self.released)
    }

    /// Restores the whole wallet into `storage` (which must be empty) under the new store key
    /// `key`, opens it (its software holder key came back with it), and rotates
    /// ([`rotate`]): a new backup and new shares under the next epoch.
    ///
    /// # Errors
    /// [`RecoveryError::NotEnoughShares`]; [`RecoveryError::BackupDamaged`];
    /// [`RecoveryError::NotEmpty`]; [`RecoveryError::WrongWallet`] when the backup holds
    /// another wallet than it says; [`RecoveryError::Wallet`] (e.g. a wallet whose holder key
    /// was a platform key); store errors.
    pub fn restore(
        self,
        storage: Arc<dyn Storage>,
        key: &dyn StoreKey,
    ) -> Result<Restored, RecoveryError> {
        self.write_backup_into(&storage, key)?;
        let wallet = HolderWallet::open(storage, key, None)?;
        if wallet.did() != &self.backup.wallet {
            return Err(RecoveryError::WrongWallet {
                expected: self.backup.wallet.to_string(),
                found: wallet.did().to_string(),
            });
        }
        let protection = rotate(&wallet)?;
        Ok(Restored { wallet, protection })
    }

    /// Writes the backup's records into the empty store in `storage`.
    fn write_backup_into(
        &self,
        storage: &Arc<dyn Storage>,
        key: &dyn StoreKey,
    ) -> Result<(), RecoveryError> {
        let records = self.open_backup()?;
        let store = WalletStore::open(storage.clone(), key)?;
        if !store.is_empty()? {
            return Err(RecoveryError::NotEmpty);
        }
        store.write_records(&records)?;
        Ok(())
    }

    /// As [`DeviceRecovery::restore`], for a wallet whose holder key was a platform key (not
    /// in the backup): the restored wallet moves to the new device's platform key `signer`
    /// ([`HolderWallet::rebind_platform_key`]), then the split rotates. Credentials bound to
    /// the old key are re-issued through [`crate::reissuance`].
    ///
    /// # Errors
    /// As [`DeviceRecovery::restore`].
    pub fn restore_with_platform_key(
        self,
        storage: Arc<dyn Storage>,
        key: &dyn StoreKey,
        signer: Arc<dyn Signer>,
    ) -> Result<Restored, RecoveryError> {
        self.write_backup_into(&storage, key)?;
        let wallet = HolderWallet::rebind_platform_key(storage, key, signer)?;
        let previous = wallet.previous_holders()?;
        if !previous
            .iter()
            .any(|did| did == self.backup.wallet.as_str())
            && wallet.did() != &self.backup.wallet
        {
            return Err(RecoveryError::WrongWallet {
                expected: self.backup.wallet.to_string(),
                found: wallet.did().to_string(),
            });
        }
        let protection = rotate(&wallet)?;
        Ok(Restored { wallet, protection })
    }
}

/// Signs a request for `backup` through `device`, with the public half of `secret`.
fn sign_request(
    device: &dyn Signer,
    backup: &Backup,
    secret: &HpkeSecret,
    now: DateTime<Utc>,
) -> Result<String, RecoveryError> {
    RecoveryRequest::sign(
        device,
        &backup.wallet,
        backup.epoch,
        &hpke_public_bytes(&Kem::sk_to_pk(secret)),
        now,
        &random::<16>()?,
    )
}

/// Opens `backup` with `released` (however many).
fn open_with(backup: &Backup, released: &[Released]) -> Result<Vec<Record>, RecoveryError> {
    let mut shares = released
        .iter()
        .map(|released| {
            let value = scalar_from_bytes(&released.value).ok_or(RecoveryError::BackupDamaged)?;
            Ok((
                share_identifier(released.index),
                IdentifierPrimeField(value),
            ))
        })
        .collect::<Result<Vec<VsssShare>, RecoveryError>>()?;
    let records = backup.open(&shares);
    for share in &mut shares {
        share.1.0.zeroize();
    }
    records
}

/// Checks a share's wallet and epoch against those expected.
fn check_share_for(share: &SealedShare, wallet: &Did, epoch: u32) -> Result<(), RecoveryError> {
    if share.wallet != wallet.as_str() {
        return Err(RecoveryError::WrongWallet {
            expected: wallet.to_string(),
            found: share.wallet.clone(),
        });
    }
    match share.epoch.cmp(&epoch) {
        std::cmp::Ordering::Less => Err(RecoveryError::StaleEpoch {
            share: share.epoch,
            current: epoch,
        }),
        std::cmp::Ordering::Greater => Err(RecoveryError::OutdatedBackup {
            backup: epoch,
            share: share.epoch,
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

// --- the guardian's side ---

/// The guardian's key pair, kept sealed in its wallet.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct GuardianKeyRecord {
    /// Always `DHKEM(X25519, HKDF-SHA256)`.
    #[zeroize(skip)]
    kem: String,
    /// The private key, base64url.
    secret: String,
}

const GUARDIAN_KEM: &str = "DHKEM(X25519, HKDF-SHA256)";

/// A share a guardian keeps for someone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeptShare {
    /// The wallet it recovers (holder DID).
    pub wallet: String,
    /// Its epoch.
    pub epoch: u32,
    /// Its index.
    pub index: u8,
}

/// A recovery request checked by a guardian, waiting for its owner to confirm the short
/// code ([`GuardianWallet::release`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PendingRelease {
    /// The request.
    pub request: RecoveryRequest,
    /// The share that would be released.
    pub share: KeptShare,
}

impl PendingRelease {
    /// The short code to compare with the one on the new device.
    pub fn short_code(&self) -> &str {
        self.request.short_code()
    }
}

/// The guardian's side, over the guardian's own wallet store: an HPKE key pair (made on first
/// use, kept sealed), the shares kept for others, and releasing one to a new device once the
/// guardian has compared the short code.
pub struct GuardianWallet<'a> {
    store: &'a WalletStore,
    secret: HpkeSecret,
    public: GuardianPublicKey,
}

impl fmt::Debug for GuardianWallet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardianWallet")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl<'a> GuardianWallet<'a> {
    /// The guardian side of `store`; its key pair is made and kept on first use.
    ///
    /// # Errors
    /// Store errors; [`StoreError::Corrupt`] when the kept key is not readable.
    pub fn open(store: &'a WalletStore) -> Result<Self, RecoveryError> {
        let corrupt = || StoreError::Corrupt("the guardian key is not readable".into());
        let secret = match store.setting_json(GUARDIAN_KEY_SETTING)? {
            Some(json) => {
                let record: GuardianKeyRecord =
                    serde_json::from_slice(&json).map_err(|_| corrupt())?;
                if record.kem != GUARDIAN_KEM {
                    return Err(corrupt().into());
                }
                let bytes = Zeroizing::new(
                    URL_SAFE_NO_PAD
                        .decode(&record.secret)
                        .map_err(|_| corrupt())?,
                );
                HpkeSecret::from_bytes(&bytes).map_err(|_| corrupt())?
            }
            None => {
                let (secret, _) = Kem::gen_keypair(&mut OsRng);
                let mut bytes = secret.to_bytes();
                let record = GuardianKeyRecord {
                    kem: GUARDIAN_KEM.into(),
                    secret: URL_SAFE_NO_PAD.encode(&bytes[..]),
                };
                bytes[..].zeroize();
                let json = Zeroizing::new(serde_json::to_vec(&record).map_err(|e| {
                    StoreError::Invalid(format!("cannot encode the guardian key: {e}"))
                })?);
                store.put_setting_json(GUARDIAN_KEY_SETTING, &json)?;
                secret
            }
        };
        let public = GuardianPublicKey(hpke_public_bytes(&Kem::sk_to_pk(&secret)));
        Ok(GuardianWallet {
            store,
            secret,
            public,
        })
    }

    /// The guardian's public key, for the owner's [`protect`].
    pub fn public_key(&self) -> &GuardianPublicKey {
        &self.public
    }

    /// Keeps a sealed share (`lbs1.…`) given by a wallet's owner, in place of an earlier one
    /// for the same wallet.
    ///
    /// # Errors
    /// [`RecoveryError::Malformed`]; [`RecoveryError::NotForThisKey`] when it is sealed to
    /// someone else; [`RecoveryError::StaleEpoch`] when a share of a later epoch is kept
    /// already; store errors.
    pub fn keep(&self, sealed: &str) -> Result<KeptShare, RecoveryError> {
        let share = SealedShare::parse(sealed, Sealing::Share)?;
        Did::parse(&share.wallet)
            .map_err(|_| malformed("sealed share", "the wallet is not a DID"))?;
        share.open(&self.secret, Sealing::Share)?;
        if let Some(kept) = self.kept(&share.wallet)?
            && kept.epoch > share.epoch
        {
            return Err(RecoveryError::StaleEpoch {
                share: share.epoch,
                current: kept.epoch,
            });
        }
        let value = serde_json::json!({ "share": share.encode(Sealing::Share)? });
        self.store
            .put_setting(&format!("{KEPT_SHARE_SETTING}{}", share.wallet), &value)?;
        Ok(share.kept())
    }

    fn kept_sealed(&self, wallet: &str) -> Result<Option<SealedShare>, RecoveryError> {
        let Some(value) = self
            .store
            .setting(&format!("{KEPT_SHARE_SETTING}{wallet}"))?
        else {
            return Ok(None);
        };
        let text = value
            .get("share")
            .and_then(Value::as_str)
            .ok_or_else(|| StoreError::Corrupt(format!("the share kept for {wallet}")))?;
        SealedShare::parse(text, Sealing::Share).map(Some)
    }

    /// The share kept for `wallet` (a holder DID), if any.
    ///
    /// # Errors
    /// Store errors.
    pub fn kept(&self, wallet: &str) -> Result<Option<KeptShare>, RecoveryError> {
        Ok(self.kept_sealed(wallet)?.map(|share| share.kept()))
    }

    /// Every share kept, one per wallet, in holder DID order.
    ///
    /// # Errors
    /// Store errors (a kept share that does not open or read).
    pub fn kept_shares(&self) -> Result<Vec<KeptShare>, RecoveryError> {
        let mut shares = Vec::new();
        for (id, _) in self.store.storage().list(SETTING)? {
            if let Some(wallet) = id.strip_prefix(KEPT_SHARE_SETTING)
                && let Some(share) = self.kept(wallet)?
            {
                shares.push(share);
            }
        }
        shares.sort_by(|a, b| a.wallet.cmp(&b.wallet));
        Ok(shares)
    }

    /// Checks a recovery request now: see [`GuardianWallet::check_request_at`].
    ///
    /// # Errors
    /// As [`GuardianWallet::check_request_at`].
    pub fn check_request(&self, request: &str) -> Result<PendingRelease, RecoveryError> {
        self.check_request_at(request, Utc::now())
    }

    /// Checks a recovery request at `now` (signature, time) and that a share of its epoch is
    /// kept for its wallet. Nothing is released until [`GuardianWallet::release`].
    ///
    /// # Errors
    /// As [`RecoveryRequest::verify_at`]; [`RecoveryError::NoShare`];
    /// [`RecoveryError::OutdatedBackup`] when the request is for an earlier epoch than the
    /// share kept; [`RecoveryError::StaleEpoch`] when the share kept is of an earlier epoch.
    pub fn check_request_at(
        &self,
        request: &str,
        now: DateTime<Utc>,
    ) -> Result<PendingRelease, RecoveryError> {
        let request = RecoveryRequest::verify_at(request, now)?;
        let share = self.share_for(&request)?.kept();
        Ok(PendingRelease { share, request })
    }

    /// The share kept for `request`'s wallet, of its epoch.
    fn share_for(&self, request: &RecoveryRequest) -> Result<SealedShare, RecoveryError> {
        let share =
            self.kept_sealed(request.wallet.as_str())?
                .ok_or_else(|| RecoveryError::NoShare {
                    wallet: request.wallet.to_string(),
                })?;
        check_share_for(&share, &request.wallet, request.epoch)?;
        Ok(share)
    }

    /// Releases the share for `pending` now: see [`GuardianWallet::release_at`].
    ///
    /// # Errors
    /// As [`GuardianWallet::release_at`].
    pub fn release(&self, pending: &PendingRelease, code: &str) -> Result<String, RecoveryError> {
        self.release_at(pending, code, Utc::now())
    }

    /// Releases the share kept for `pending`'s wallet, re-sealed to the new device's key
    /// (`lbr1.…`), once the guardian has compared the short code with the owner and entered
    /// it as `code` (spaces and dashes are ignored).
    ///
    /// # Errors
    /// [`RecoveryError::WrongCode`]; [`RecoveryError::RequestExpired`]; as
    /// [`GuardianWallet::check_request_at`] when the share kept changed since.
    pub fn release_at(
        &self,
        pending: &PendingRelease,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<String, RecoveryError> {
        let request = &pending.request;
        if normalize_code(code) != request.code {
            return Err(RecoveryError::WrongCode);
        }
        if now > request.expires_at {
            return Err(RecoveryError::RequestExpired {
                expired_at: request.expires_at,
            });
        }
        let share = self.share_for(request)?;
        let value = share.open(&self.secret, Sealing::Share)?;
        let device = hpke_public_from_bytes(&request.hpke)
            .ok_or_else(|| malformed("recovery request", "`hpke` is not an X25519 key"))?;
        let sealing = Sealing::Release(&request.hash);
        SealedShare::seal(
            &share.wallet,
            share.epoch,
            share.index,
            &value,
            &device,
            sealing,
        )?
        .encode(sealing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Algorithm, SoftwareKey};
    use crate::wallet::store::{CredentialFormat, MemoryStorage, RawKey};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap()
    }

    fn new_store() -> (Arc<MemoryStorage>, RawKey) {
        (
            Arc::new(MemoryStorage::new()),
            RawKey::new(random().unwrap()),
        )
    }

    /// A wallet with a credential, a log entry and a setting.
    fn stocked_wallet() -> HolderWallet {
        let (storage, key) = new_store();
        let wallet = HolderWallet::open(storage, &key, None).unwrap();
        let store = wallet.store();
        store
            .put_credential(
                "urn:uuid:1",
                CredentialFormat::SdJwt,
                "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~",
            )
            .unwrap();
        store
            .put_credential(
                "urn:uuid:2",
                CredentialFormat::DataIntegrity,
                r#"{"type":["VerifiableCredential"]}"#,
            )
            .unwrap();
        store
            .append_activity(&serde_json::json!({"verifier": "Apotek Nord"}))
            .unwrap();
        store
            .put_setting("language", &serde_json::json!("nn"))
            .unwrap();
        wallet
    }

    /// `n` guardians, each with their own store.
    struct Guardians {
        stores: Vec<WalletStore>,
    }

    impl Guardians {
        fn new(n: usize) -> Self {
            Guardians {
                stores: (0..n)
                    .map(|_| {
                        let (storage, key) = new_store();
                        WalletStore::open(storage, &key).unwrap()
                    })
                    .collect(),
            }
        }

        fn wallet(&self, i: usize) -> GuardianWallet<'_> {
            GuardianWallet::open(&self.stores[i]).unwrap()
        }

        fn list(&self) -> Vec<Guardian> {
            (0..self.stores.len())
                .map(|i| {
                    Guardian::new(format!("guardian {i}"), self.wallet(i).public_key().clone())
                })
                .collect()
        }

        fn keep(&self, protection: &Protection) {
            for (i, share) in protection.shares.iter().enumerate() {
                self.wallet(i).keep(&share.sealed).unwrap();
            }
        }

        /// Guardians `which` release their shares to `device`.
        fn release_to(&self, device: &mut DeviceRecovery, which: &[usize]) {
            for &i in which {
                let release = self.release(i, device);
                device
                    .add_release(&format!("guardian {i}"), &release)
                    .unwrap();
            }
        }

        /// Guardian `i` answers `device`'s request, comparing the right code.
        fn release(&self, i: usize, device: &DeviceRecovery) -> String {
            let guardian = self.wallet(i);
            let pending = guardian.check_request_at(device.request(), now()).unwrap();
            assert_eq!(pending.short_code(), device.short_code());
            guardian
                .release_at(&pending, device.short_code(), now())
                .unwrap()
        }
    }

    /// A stocked wallet protected `k`-of-`n`, its guardians keeping their shares.
    fn protected(n: usize, k: u8) -> (HolderWallet, Guardians, Protection) {
        let wallet = stocked_wallet();
        let guardians = Guardians::new(n);
        let protection = protect(&wallet, k, &guardians.list()).unwrap();
        guardians.keep(&protection);
        (wallet, guardians, protection)
    }

    fn device(backup: &[u8]) -> DeviceRecovery {
        let key = SoftwareKey::generate(Algorithm::P256);
        DeviceRecovery::new_at(backup, &key, now()).unwrap()
    }

    fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
        (0u32..(1 << n))
            .filter(|mask| mask.count_ones() as usize == k)
            .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
            .collect()
    }

    #[test]
    fn every_k_subset_restores_and_every_smaller_one_fails() {
        for (k, n) in [(2u8, 3usize), (3, 5)] {
            let (wallet, guardians, protection) = protected(n, k);
            let records = wallet.store().records().unwrap();
            for subset in subsets(n, usize::from(k)) {
                let mut device = device(&protection.backup);
                guardians.release_to(&mut device, &subset);
                assert_eq!(
                    device.open_backup().unwrap(),
                    records,
                    "{k}-of-{n} {subset:?}"
                );
                let (storage, key) = new_store();
                let restored = device.restore(storage, &key).unwrap();
                assert_eq!(restored.wallet.did(), wallet.did());
                assert_eq!(restored.protection.epoch, 2);
            }
            for subset in subsets(n, usize::from(k) - 1) {
                let mut device = device(&protection.backup);
                guardians.release_to(&mut device, &subset);
                assert!(matches!(
                    device.open_backup(),
                    Err(RecoveryError::NotEnoughShares { have, need }) if have == subset.len() && need == k
                ));
                // Below the count check: k − 1 shares combine into a secret that is not the
                // backup's (one share alone does not combine at all).
                assert!(matches!(
                    open_with(&device.backup, &device.released),
                    Err(RecoveryError::BackupDamaged)
                ));
                let (storage, key) = new_store();
                assert!(matches!(
                    device.restore(storage, &key),
                    Err(RecoveryError::NotEnoughShares { .. })
                ));
            }
        }
    }

    #[test]
    fn the_backup_restores_record_by_record_into_an_empty_store_only() {
        let (wallet, guardians, protection) = protected(3, 2);
        let before = wallet.store().records().unwrap();
        // Every kind is there: credential, holder key, activity, settings.
        for kind in super::super::store::RECORD_KINDS {
            assert!(before.iter().any(|r| r.kind == kind), "{kind}");
        }
        let mut device = device(&protection.backup);
        guardians.release_to(&mut device, &[0, 2]);
        // Not into a store that holds something.
        let (storage, key) = new_store();
        let occupied = WalletStore::open(storage.clone(), &key).unwrap();
        occupied.put_setting("x", &Value::Null).unwrap();
        assert!(matches!(
            device_with_same_shares(&device).restore(storage, &key),
            Err(RecoveryError::NotEmpty)
        ));
        let (storage, key) = new_store();
        let restored = device.restore(storage.clone(), &key).unwrap();
        let after = restored.wallet.store().records().unwrap();
        // The rotation added nothing but a new recovery setting (epoch 2).
        let strip = |records: Vec<Record>| {
            records
                .into_iter()
                .filter(|r| !(r.kind == "setting" && r.id == ROSTER_SETTING))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(after), strip(before));
        // The store opens with its new key only.
        assert!(WalletStore::open(storage.clone(), &RawKey::new([0; 32])).is_err());
        assert!(HolderWallet::open(storage, &key, None).is_ok());
    }

    fn device_with_same_shares(device: &DeviceRecovery) -> DeviceRecovery {
        let mut copy = self::device(&device.backup.to_bytes());
        copy.released = device
            .released
            .iter()
            .map(|r| Released {
                index: r.index,
                value: r.value.clone(),
            })
            .collect();
        copy
    }

    #[test]
    fn a_forged_share_is_named_and_left_out() {
        let (wallet, guardians, protection) = protected(3, 2);
        let mut device = device(&protection.backup);
        // Guardian 1 opens its own share and releases another value under its index.
        let guardian = guardians.wallet(1);
        let pending = guardian.check_request_at(device.request(), now()).unwrap();
        let mut forged_value = *guardian
            .kept_sealed(wallet.did().as_str())
            .unwrap()
            .unwrap()
            .open(&guardian.secret, Sealing::Share)
            .unwrap();
        forged_value[31] ^= 1;
        let device_key = hpke_public_from_bytes(&pending.request.hpke).unwrap();
        let sealing = Sealing::Release(&pending.request.hash);
        let forged = SealedShare::seal(
            wallet.did().as_str(),
            1,
            pending.share.index,
            &forged_value,
            &device_key,
            sealing,
        )
        .unwrap()
        .encode(sealing)
        .unwrap();
        assert!(matches!(
            device.add_release("Kari", &forged),
            Err(RecoveryError::ForgedShare { index: 2, ref from }) if from == "Kari"
        ));
        assert_eq!(device.shares(), 0);
        // A flipped byte on the way does not open at all.
        let honest = guardians.release(1, &device);
        let mut bytes = decode_text(&honest, RELEASE_PREFIX, "release").unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(
            device.add_release("Kari", &encode_text(RELEASE_PREFIX, &bytes)),
            Err(RecoveryError::NotForThisKey { .. })
        ));
        // The honest shares still recover.
        device.add_release("Kari", &honest).unwrap();
        assert!(matches!(
            device.add_release("Kari", &honest),
            Err(RecoveryError::DuplicateShare { index: 2, .. })
        ));
        device
            .add_release("Ola", &guardians.release(0, &device))
            .unwrap();
        assert!(device.open_backup().is_ok());
    }

    #[test]
    fn a_release_for_another_device_does_not_open() {
        let (_wallet, guardians, protection) = protected(2, 2);
        let ours = device(&protection.backup);
        let mut theirs = device(&protection.backup);
        let release = guardians.release(0, &ours);
        assert!(matches!(
            theirs.add_release("g", &release),
            Err(RecoveryError::NotForThisKey { what: "release" })
        ));
        // A share sealed to one guardian is refused by another.
        assert!(matches!(
            guardians.wallet(1).keep(&protection.shares[0].sealed),
            Err(RecoveryError::NotForThisKey {
                what: "sealed share"
            })
        ));
    }

    #[test]
    fn shares_of_an_old_epoch_fail_after_rotation() {
        let (wallet, guardians, old) = protected(3, 2);
        // Releases for a device recovering from the old backup.
        let old_device = device(&old.backup);
        let old_releases: Vec<String> = (0..3).map(|i| guardians.release(i, &old_device)).collect();

        let new = rotate(&wallet).unwrap();
        assert_eq!((old.epoch, new.epoch), (1, 2));
        // Against the new backup, old shares are refused by epoch.
        let mut new_device = device(&new.backup);
        let guardian = guardians.wallet(0);
        assert!(matches!(
            guardian.check_request_at(new_device.request(), now()),
            Err(RecoveryError::StaleEpoch {
                share: 1,
                current: 2
            })
        ));
        // A release of epoch 1 re-labelled epoch 2 does not open (the epoch is bound) …
        let mut relabelled =
            SealedShare::parse(&old_releases[0], Sealing::Release(&old_device.hash)).unwrap();
        relabelled.epoch = 2;
        let relabelled = relabelled
            .encode(Sealing::Release(&new_device.hash))
            .unwrap();
        assert!(matches!(
            new_device.add_release("g", &relabelled),
            Err(RecoveryError::NotForThisKey { .. })
        ));
        // … and old share values do not fit the new commitments, nor open the new backup.
        let new_backup = Backup::parse(&new.backup).unwrap();
        let old_values: Vec<Released> = (0..2)
            .map(|i| {
                let share =
                    SealedShare::parse(&old_releases[i], Sealing::Release(&old_device.hash))
                        .unwrap();
                Released {
                    index: share.index,
                    value: share
                        .open(&old_device.secret, Sealing::Release(&old_device.hash))
                        .unwrap(),
                }
            })
            .collect();
        for released in &old_values {
            let value = scalar_from_bytes(&released.value).unwrap();
            assert!(!new_backup.verifies(released.index, &value));
            assert!(old_device.backup.verifies(released.index, &value));
        }
        assert!(matches!(
            open_with(&new_backup, &old_values),
            Err(RecoveryError::BackupDamaged)
        ));
        // Once the guardians keep the new shares, an old one cannot replace them.
        guardians.keep(&new);
        assert!(matches!(
            guardians.wallet(0).keep(&old.shares[0].sealed),
            Err(RecoveryError::StaleEpoch {
                share: 1,
                current: 2
            })
        ));
        // The old device's request is now for an outdated backup.
        assert!(matches!(
            guardians
                .wallet(0)
                .check_request_at(old_device.request(), now()),
            Err(RecoveryError::OutdatedBackup {
                backup: 1,
                share: 2
            })
        ));
        guardians.release_to(&mut new_device, &[0, 1]);
        assert!(new_device.open_backup().is_ok());
    }

    #[test]
    fn a_share_for_another_wallet_fails() {
        let alice = stocked_wallet();
        let bob = stocked_wallet();
        let guardians = Guardians::new(2);
        let alice_protection = protect(&alice, 2, &guardians.list()).unwrap();
        let bob_protection = protect(&bob, 2, &guardians.list()).unwrap();
        // Guardian 0 keeps only Bob's share.
        guardians
            .wallet(0)
            .keep(&bob_protection.shares[0].sealed)
            .unwrap();
        let mut device = device(&alice_protection.backup);
        assert!(matches!(
            guardians.wallet(0).check_request_at(device.request(), now()),
            Err(RecoveryError::NoShare { wallet }) if wallet == alice.did().as_str()
        ));
        // Bob's share released for Bob's recovery, offered to Alice's.
        let bob_device = self::device(&bob_protection.backup);
        let bob_release = guardians.release(0, &bob_device);
        assert!(matches!(
            device.add_release("g", &bob_release),
            Err(RecoveryError::WrongWallet { .. })
        ));
        // Alice's wallet named in a share of Bob's does not open.
        let mut renamed =
            SealedShare::parse(&bob_protection.shares[1].sealed, Sealing::Share).unwrap();
        renamed.wallet = alice.did().to_string();
        assert!(matches!(
            guardians
                .wallet(1)
                .keep(&renamed.encode(Sealing::Share).unwrap()),
            Err(RecoveryError::NotForThisKey { .. })
        ));
    }

    #[test]
    fn the_request_needs_the_right_code_a_valid_signature_and_time() {
        let (_wallet, guardians, protection) = protected(2, 2);
        let device = device(&protection.backup);
        let guardian = guardians.wallet(0);
        let pending = guardian.check_request_at(device.request(), now()).unwrap();
        let code = device.short_code().to_owned();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        for typed in [wrong.as_str(), "", "12345", "1234567"] {
            assert!(matches!(
                guardian.release_at(&pending, typed, now()),
                Err(RecoveryError::WrongCode)
            ));
        }
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(guardian.release_at(&pending, &spaced, now()).is_ok());

        // Expired: checked, and again at release.
        let late = now() + REQUEST_LIFETIME + Duration::seconds(1);
        assert!(matches!(
            guardian.check_request_at(device.request(), late),
            Err(RecoveryError::RequestExpired { .. })
        ));
        assert!(matches!(
            guardian.release_at(&pending, &code, late),
            Err(RecoveryError::RequestExpired { .. })
        ));
        assert!(matches!(
            guardian.check_request_at(device.request(), now() - Duration::minutes(6)),
            Err(RecoveryError::RequestNotYetValid { .. })
        ));

        // Tampered: the payload changed (another HPKE key), or the signature.
        let parts: Vec<&str> = device.request().split('.').collect();
        let mut payload: Map<String, Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload.insert("hpke".into(), URL_SAFE_NO_PAD.encode([9u8; 32]).into());
        let swapped = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap()),
            parts[2]
        );
        assert!(matches!(
            guardian.check_request_at(&swapped, now()),
            Err(RecoveryError::RequestSignature)
        ));
        let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        signature[0] ^= 1;
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode(signature)
        );
        assert!(matches!(
            guardian.check_request_at(&forged, now()),
            Err(RecoveryError::RequestSignature)
        ));
        // Signed by a key other than the one it names.
        let other = SoftwareKey::generate(Algorithm::P256);
        let mut named = payload.clone();
        named.insert(
            "deviceKey".into(),
            SoftwareKey::generate(Algorithm::P256)
                .public_key()
                .to_multibase()
                .into(),
        );
        let impostor = jws::sign(&named, REQUEST_TYPE, None, &Map::new(), &other).unwrap();
        assert!(matches!(
            guardian.check_request_at(&impostor, now()),
            Err(RecoveryError::RequestSignature)
        ));
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let wallet = stocked_wallet();
        let guardians = Guardians::new(2);
        let protection = protect(&wallet, 2, &guardians.list()).unwrap();
        let sealed = &protection.shares[0].sealed;
        let guardian = guardians.wallet(0);
        let huge = format!("lbs1.{}", "A".repeat(1 << 20));
        let mut inputs: Vec<String> = vec![
            String::new(),
            "lbs1.".into(),
            "lbs1.!!!".into(),
            "lbr1.AAAA".into(),
            huge,
            sealed.replace("lbs1.", "lbx1."),
            format!("{sealed}A"),
        ];
        for cut in [5, 10, 40, sealed.len() - 3] {
            inputs.push(sealed[..cut].to_owned());
        }
        for input in &inputs {
            assert!(guardian.keep(input).is_err(), "{input:.40}");
            assert!(GuardianPublicKey::parse(input).is_err());
            assert!(guardian.check_request_at(input, now()).is_err());
        }
        let mut device = device(&protection.backup);
        for input in &inputs {
            assert!(device.add_release("g", input).is_err());
        }
        // A backup cut anywhere, or with garbage, does not parse or does not open.
        let backup = &protection.backup;
        let parsed = Backup::parse(backup).unwrap();
        for cut in 0..parsed.header.len() + NONCE_LEN + TAG_LEN {
            assert!(Backup::parse(&backup[..cut]).is_err(), "{cut}");
        }
        assert!(Backup::parse(&[0xff; 4096]).is_err());
        assert!(Backup::parse(b"LBK\x01\xff\xff").is_err());
        // Garbage JSON in a JWS.
        let junk = format!(
            "{}.{}.AA",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"EdDSA","typ":"lommebok-recovery+jwt"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"deviceKey":12}"#)
        );
        assert!(matches!(
            RecoveryRequest::verify_at(&junk, now()),
            Err(RecoveryError::Malformed { .. })
        ));
        // Thresholds that do not fit.
        for (k, n) in [(1u8, 3usize), (4, 3), (0, 0)] {
            let list = Guardians::new(n).list();
            assert!(matches!(
                protect(&wallet, k, &list),
                Err(RecoveryError::InvalidThreshold { .. })
            ));
        }
    }

    #[test]
    fn a_backup_refreshed_opens_with_the_same_shares() {
        let wallet = stocked_wallet();
        let guardians = Guardians::new(2);
        assert!(matches!(
            refresh_backup(&wallet),
            Err(RecoveryError::NotProtected)
        ));
        let protection = protect(&wallet, 2, &guardians.list()).unwrap();
        guardians.keep(&protection);
        wallet
            .store()
            .put_credential("urn:uuid:3", CredentialFormat::SdJwt, "a.b.c~")
            .unwrap();
        let fresh = refresh_backup(&wallet).unwrap();
        let mut device = device(&fresh);
        guardians.release_to(&mut device, &[0, 1]);
        let records = device.open_backup().unwrap();
        assert!(records.iter().any(|r| r.id == "urn:uuid:3"));
        // A changed byte in the backup's header (its epoch) is caught by the AEAD.
        let mut bytes = fresh.clone();
        let epoch_at = 4 + 2 + wallet.did().as_str().len() + 3;
        bytes[epoch_at] ^= 1;
        let mut copy = device_with_same_shares(&device);
        copy.backup = Backup::parse(&bytes).unwrap();
        assert!(matches!(
            copy.open_backup(),
            Err(RecoveryError::BackupDamaged)
        ));
        // So is a backup cut short after its header.
        copy.backup = Backup::parse(&fresh[..fresh.len() - 1]).unwrap();
        assert!(matches!(
            copy.open_backup(),
            Err(RecoveryError::BackupDamaged)
        ));
    }

    #[test]
    fn a_damaged_record_stops_the_backup_and_leaves_the_split_as_it_was() {
        let (wallet, _guardians, protection) = protected(3, 2);
        let store = wallet.store();
        store
            .storage()
            .put("credential", "urn:uuid:1", b"\x01garbage")
            .unwrap();
        assert!(matches!(
            rotate(&wallet),
            Err(RecoveryError::Store(StoreError::Tampered { ref id })) if id == "urn:uuid:1"
        ));
        assert!(refresh_backup(&wallet).is_err());
        let roster = Roster::load(store).unwrap().unwrap();
        assert_eq!(roster.epoch, protection.epoch);
        store.delete_credential("urn:uuid:1").unwrap();
        assert_eq!(rotate(&wallet).unwrap().epoch, protection.epoch + 1);
    }

    #[test]
    fn a_recovery_saved_and_resumed_restores_the_wallet() {
        let (wallet, guardians, protection) = protected(3, 2);
        let kept = guardians.wallet(2).kept_shares().unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            (kept[0].wallet.as_str(), kept[0].index),
            (wallet.did().as_str(), 3)
        );
        let key = SoftwareKey::generate(Algorithm::P256);
        let mut device = DeviceRecovery::new_at(&protection.backup, &key, now()).unwrap();
        let first_request = device.request().to_owned();
        let first_code = device.short_code().to_owned();
        guardians.release_to(&mut device, &[0]);
        // Guardian 2 releases too, but the app is stopped before the release is added.
        let late = guardians.release(2, &device);
        let state = device.to_state().unwrap();
        assert!(state.starts_with(b"LRS\x01"));
        drop(device);

        // Within the request's lifetime the same request and code go on.
        let soon = now() + Duration::minutes(5);
        let resumed = DeviceRecovery::resume_at(&state, &protection.backup, &key, soon).unwrap();
        assert_eq!(resumed.request(), first_request);
        assert_eq!(resumed.short_code(), first_code);
        assert_eq!(resumed.shares(), 1);

        // A day later: a new request, a new code; the late release of the old one still opens.
        let later = now() + Duration::days(1);
        let mut resumed =
            DeviceRecovery::resume_at(&state, &protection.backup, &key, later).unwrap();
        assert_ne!(resumed.request(), first_request);
        assert_eq!(resumed.request_expires_at(), later + REQUEST_LIFETIME);
        assert!(RecoveryRequest::verify_at(resumed.request(), later).is_ok());
        assert_eq!(resumed.shares(), 1);
        // Guardian 0 answers the new request too: the share is in already.
        let guardian = guardians.wallet(0);
        let pending = guardian.check_request_at(resumed.request(), later).unwrap();
        let again = guardian
            .release_at(&pending, resumed.short_code(), later)
            .unwrap();
        assert!(matches!(
            resumed.add_release("guardian 0", &again),
            Err(RecoveryError::DuplicateShare { index: 1, .. })
        ));
        assert_eq!(resumed.add_release("guardian 2", &late).unwrap(), 3);
        // Saved again and resumed, with the refreshed backup of the same split.
        let state = resumed.to_state().unwrap();
        let refreshed = refresh_backup(&wallet).unwrap();
        let resumed = DeviceRecovery::resume_at(&state, &refreshed, &key, later).unwrap();
        assert_eq!(resumed.shares(), 2);
        let (storage, store_key) = new_store();
        let restored = resumed.restore(storage, &store_key).unwrap();
        assert_eq!(restored.wallet.did(), wallet.did());
        assert_eq!(restored.protection.epoch, protection.epoch + 1);
    }

    #[test]
    fn a_renewed_request_keeps_the_shares_and_opens_releases_of_the_old_one() {
        let (_wallet, guardians, protection) = protected(3, 2);
        let key = SoftwareKey::generate(Algorithm::Ed25519);
        let mut device = DeviceRecovery::new_at(&protection.backup, &key, now()).unwrap();
        let old = guardians.release(0, &device);
        device.renew_request_at(&key, now()).unwrap();
        let guardian = guardians.wallet(1);
        let pending = guardian.check_request_at(device.request(), now()).unwrap();
        let new = guardian
            .release_at(&pending, device.short_code(), now())
            .unwrap();
        device.add_release("guardian 0", &old).unwrap();
        device.add_release("guardian 1", &new).unwrap();
        assert!(device.open_backup().is_ok());
        // Only the key the recovery started with renews it.
        let other = SoftwareKey::generate(Algorithm::Ed25519);
        assert!(matches!(
            device.renew_request_at(&other, now()),
            Err(RecoveryError::StateMismatch { .. })
        ));
    }

    #[test]
    fn a_saved_recovery_that_is_garbage_or_does_not_fit_is_refused() {
        let (owner, guardians, protection) = protected(3, 2);
        let key = SoftwareKey::generate(Algorithm::P256);
        let mut device = DeviceRecovery::new_at(&protection.backup, &key, now()).unwrap();
        guardians.release_to(&mut device, &[1]);
        let state = device.to_state().unwrap();
        let resume = |state: &[u8]| {
            DeviceRecovery::resume_at(state, &protection.backup, &key, now()).map(|_| ())
        };
        assert!(resume(&state).is_ok());
        for garbage in [
            &b""[..],
            b"LRS",
            b"LRS\x02",
            b"{\"state\": 1}",
            &[0xff; 300],
        ] {
            assert!(
                matches!(resume(garbage), Err(RecoveryError::Malformed { what, .. }) if what == "recovery state"),
                "{garbage:?}"
            );
        }
        for cut in 0..state.len() {
            assert!(resume(&state[..cut]).is_err(), "{cut}");
        }
        let mut longer = state.to_vec();
        longer.push(0);
        assert!(matches!(
            resume(&longer),
            Err(RecoveryError::Malformed { .. })
        ));
        // A share changed in the state no longer fits the backup's commitments.
        let mut changed = state.to_vec();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(matches!(
            resume(&changed),
            Err(RecoveryError::Malformed { reason, .. }) if reason.contains("does not fit")
        ));
        // Another device key, another split of the same wallet, another wallet.
        let other = SoftwareKey::generate(Algorithm::P256);
        assert!(matches!(
            DeviceRecovery::resume_at(&state, &protection.backup, &other, now()),
            Err(RecoveryError::StateMismatch { .. })
        ));
        let rotated = rotate(&owner).unwrap();
        assert!(matches!(
            DeviceRecovery::resume_at(&state, &rotated.backup, &key, now()),
            Err(RecoveryError::StateMismatch { .. })
        ));
        let (_, _, someone_else) = protected(2, 2);
        assert!(matches!(
            DeviceRecovery::resume_at(&state, &someone_else.backup, &key, now()),
            Err(RecoveryError::WrongWallet { .. })
        ));
    }

    // --- wire forms ---

    const WALLET: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

    #[test]
    fn sealed_share_and_release_wire_forms_are_pinned() {
        let share = SealedShare {
            wallet: WALLET.into(),
            epoch: 1,
            index: 2,
            encapped: [7; 32],
            ciphertext: vec![9; 48],
        };
        let text = share.encode(Sealing::Share).unwrap();
        assert_eq!(text, PINNED_SHARE);
        assert!(text.len() < 200, "{}", text.len());
        assert_eq!(SealedShare::parse(&text, Sealing::Share).unwrap(), share);
        let release = share.encode(Sealing::Release(&[0; 32])).unwrap();
        assert_eq!(release, PINNED_SHARE.replace("lbs1.", "lbr1."));
        assert!(SealedShare::parse(&release, Sealing::Share).is_err());
        // The layout, byte by byte.
        let bytes = decode_text(&text, SHARE_PREFIX, "t").unwrap();
        assert_eq!(bytes[0], 1);
        assert_eq!(
            u16::from_be_bytes([bytes[1], bytes[2]]) as usize,
            WALLET.len()
        );
        let at = 3 + WALLET.len();
        assert_eq!(&bytes[3..at], WALLET.as_bytes());
        assert_eq!(&bytes[at..at + 4], &[0, 0, 0, 1]);
        assert_eq!(bytes[at + 4], 2);
        assert_eq!(&bytes[at + 5..at + 37], &[7; 32]);
        assert_eq!(&bytes[at + 37..], &[9; 48]);
    }

    const PINNED_SHARE: &str = "lbs1.AQA4ZGlkOmtleTp6Nk1raGFYZ0JaRHZvdERrTDUyNTdmYWl6dGlHaUMyUXRLTEdwYm5uRUd0YTJkb0sAAAABAgcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ";

    #[test]
    fn guardian_key_wire_form_is_pinned() {
        let (_, public) = Kem::derive_keypair(b"lommebok guardian key test vector");
        let key = GuardianPublicKey(hpke_public_bytes(&public));
        assert_eq!(key.to_string(), PINNED_GUARDIAN_KEY);
        assert_eq!(GuardianPublicKey::parse(PINNED_GUARDIAN_KEY).unwrap(), key);
    }

    const PINNED_GUARDIAN_KEY: &str = "lbg1.1iFPtObB4tTNAaicV8qD53PXOFDpWihwq0tnRFHtnQk";

    #[test]
    fn recovery_request_wire_form_and_short_code_are_pinned() {
        let device = SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[1; 32]).unwrap();
        let wallet = Did::parse(WALLET).unwrap();
        let request =
            RecoveryRequest::sign(&device, &wallet, 3, &[5; 32], now(), &[6; 16]).unwrap();
        assert_eq!(request, PINNED_REQUEST);
        assert_eq!(short_code(&request), PINNED_CODE);
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(request.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            header,
            serde_json::json!({"alg": "EdDSA", "typ": REQUEST_TYPE})
        );
        let checked = RecoveryRequest::verify_at(&request, now()).unwrap();
        assert_eq!(checked.wallet, wallet);
        assert_eq!(checked.epoch, 3);
        assert_eq!(checked.device_key, device.public_key());
        assert_eq!(checked.expires_at, now() + REQUEST_LIFETIME);
        assert_eq!(checked.short_code(), PINNED_CODE);
    }

    const PINNED_REQUEST: &str = concat!(
        "eyJhbGciOiJFZERTQSIsInR5cCI6ImxvbW1lYm9rLXJlY292ZXJ5K2p3dCJ9.",
        "eyJ3YWxsZXQiOiJkaWQ6a2V5Ono2TWtoYVhnQlpEdm90RGtMNTI1N2ZhaXp0aUdpQzJRdEtMR3Bibm5FR3RhMmRvSyIsImVwb2NoIjozLCJkZXZpY2VLZXkiOiJ6Nk1rb24zTmVjZDZOa2t5Zm9Hb0h4aWQyem5HYzU5TFUzSzdtdWJhUmNGYkxmTFgiLCJocGtlIjoiQlFVRkJRVUZCUVVGQlFVRkJRVUZCUVVGQlFVRkJRVUZCUVVGQlFVRkJRVSIsImlhdCI6MTc5MDAwMDAwMCwiZXhwIjoxNzkwMDAwOTAwLCJub25jZSI6IkJnWUdCZ1lHQmdZR0JnWUdCZ1lHQmcifQ.",
        "hAUH1W_zfsZ4FUzmziEkb7LZTdXM9TYnzEvbeJ8rRi5YOlNKMDFsiyHGpdAtCvysL9fybXiD6vJBmittQlKTBg"
    );
    const PINNED_CODE: &str = "701176";

    #[test]
    fn backup_header_layout_is_pinned() {
        let wallet = stocked_wallet();
        let guardians = Guardians::new(3);
        let protection = protect(&wallet, 2, &guardians.list()).unwrap();
        let bytes = &protection.backup;
        let did = wallet.did().as_str();
        assert_eq!(&bytes[..4], b"LBK\x01");
        assert_eq!(u16::from_be_bytes([bytes[4], bytes[5]]) as usize, did.len());
        let at = 6 + did.len();
        assert_eq!(&bytes[6..at], did.as_bytes());
        assert_eq!(&bytes[at..at + 4], &[0, 0, 0, 1]);
        assert_eq!(bytes[at + 4], 2);
        let backup = Backup::parse(bytes).unwrap();
        assert_eq!(backup.header.len(), at + 5 + 2 * 33);
        assert_eq!((backup.epoch(), backup.threshold()), (1, 2));
        assert_eq!(backup.to_bytes(), *bytes);
    }
}
