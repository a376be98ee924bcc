//! Keys: the [`Signer`] trait that all signing goes through, public keys, and software keys.
//!
//! A key can live in a platform keystore (Secure Enclave, Android Keystore): anything that
//! implements [`Signer`] can issue credentials and sign presentations. [`SoftwareKey`] is the
//! default, an Ed25519 or P-256 secret held in memory and zeroized on drop.
//!
//! Keys serialize as W3C Multikey
//! (<https://www.w3.org/TR/cid-1.0/#Multikey>, `publicKeyMultibase` / `secretKeyMultibase`)
//! and as JWK (RFC 7517 / RFC 8037).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::{Zeroize, Zeroizing};

use ssi_multicodec::{
    ED25519_PRIV, ED25519_PUB, MultiEncoded, MultiEncodedBuf, P256_PRIV, P256_PUB,
};

/// Errors from creating, parsing or using keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key material has the wrong length for its algorithm.
    #[error("{algorithm} key must be {expected} bytes, got {actual}")]
    WrongLength {
        /// The key's algorithm.
        algorithm: Algorithm,
        /// The length the algorithm needs.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The bytes are not a valid key (e.g. not a point on the curve, or a zero scalar).
    #[error("invalid {0} key")]
    InvalidKey(Algorithm),
    /// A multibase string could not be decoded, or is not base58btc.
    #[error("invalid multibase key encoding: {0}")]
    Multibase(String),
    /// The multicodec prefix names a key type lommebok does not support here.
    #[error("unsupported multicodec key prefix 0x{0}")]
    UnsupportedMulticodec(String),
    /// The JSON is not a Multikey or JWK lommebok understands.
    #[error("invalid key document: {0}")]
    InvalidDocument(String),
    /// The signer failed to produce a signature (e.g. a platform keystore refused).
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A signature algorithm lommebok signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Ed25519 (RFC 8032), verified with strict semantics: no small-order keys, no
    /// non-canonical signatures.
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256 (ES256); signatures are 64 bytes `r || s`.
    P256,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::P256 => "p256",
        })
    }
}

impl std::str::FromStr for Algorithm {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" | "eddsa" => Ok(Algorithm::Ed25519),
            "p256" | "p-256" | "es256" => Ok(Algorithm::P256),
            other => Err(KeyError::InvalidDocument(format!(
                "unknown algorithm `{other}`"
            ))),
        }
    }
}

/// Something that signs with a private key it may never reveal.
///
/// Implement this to keep keys in a platform keystore. lommebok passes the exact bytes to be
/// signed; for [`Algorithm::P256`] the signer hashes them with SHA-256 (as ES256 does) and returns
/// the 64-byte `r || s` form (IEEE P1363), not DER.
pub trait Signer: Send + Sync {
    /// The public half of the signing key.
    fn public_key(&self) -> PublicKey;

    /// Signs `message`.
    ///
    /// # Errors
    /// [`KeyError::Signing`] when the key is unavailable or the keystore refuses.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;
}

/// A public key.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 public key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// A P-256 public key.
    P256(p256::PublicKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_multibase())
    }
}

impl PublicKey {
    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Ed25519(_) => Algorithm::Ed25519,
            PublicKey::P256(_) => Algorithm::P256,
        }
    }

    /// Parses raw key bytes: 32 bytes for Ed25519, a SEC1 point (compressed or not) for P-256.
    ///
    /// # Errors
    /// [`KeyError::WrongLength`] or [`KeyError::InvalidKey`].
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Self, KeyError> {
        match algorithm {
            Algorithm::Ed25519 => {
                let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongLength {
                    algorithm,
                    expected: 32,
                    actual: bytes.len(),
                })?;
                ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                    .map(PublicKey::Ed25519)
                    .map_err(|_| KeyError::InvalidKey(algorithm))
            }
            Algorithm::P256 => p256::PublicKey::from_sec1_bytes(bytes)
                .map(PublicKey::P256)
                .map_err(|_| KeyError::InvalidKey(algorithm)),
        }
    }

    /// The raw key bytes: 32 bytes for Ed25519, the 33-byte compressed SEC1 point for P-256.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            PublicKey::Ed25519(key) => key.to_bytes().to_vec(),
            PublicKey::P256(key) => key.to_encoded_point(true).as_bytes().to_vec(),
        }
    }

    /// The multicodec-prefixed key bytes (as in `did:key` and `publicKeyMultibase`).
    pub fn to_multicodec(&self) -> Vec<u8> {
        let codec = match self {
            PublicKey::Ed25519(_) => ED25519_PUB,
            PublicKey::P256(_) => P256_PUB,
        };
        MultiEncodedBuf::encode_bytes(codec, &self.to_bytes()).into_bytes()
    }

    /// Parses multicodec-prefixed key bytes.
    ///
    /// # Errors
    /// [`KeyError::UnsupportedMulticodec`] for key types other than Ed25519 and P-256 (the
    /// prefixes come from `ssi-multicodec`), else as
    /// [`PublicKey::from_bytes`].
    pub fn from_multicodec(bytes: &[u8]) -> Result<Self, KeyError> {
        let (codec, data) = split_multicodec(bytes)?;
        match codec {
            ED25519_PUB => Self::from_bytes(Algorithm::Ed25519, data),
            P256_PUB => Self::from_bytes(Algorithm::P256, data),
            other => Err(KeyError::UnsupportedMulticodec(format!("{other:x}"))),
        }
    }

    /// The `publicKeyMultibase` form: base58btc of the multicodec bytes (`z6Mk…`, `zDn…`).
    pub fn to_multibase(&self) -> String {
        multibase::encode(multibase::Base::Base58Btc, self.to_multicodec())
    }

    /// Parses a `publicKeyMultibase` value.
    ///
    /// # Errors
    /// [`KeyError::Multibase`] when the string is not base58btc multibase, else as
    /// [`PublicKey::from_multicodec`].
    pub fn from_multibase(encoded: &str) -> Result<Self, KeyError> {
        Self::from_multicodec(&decode_base58btc(encoded)?)
    }

    /// The public JWK (RFC 8037 `OKP` / RFC 7518 `EC`).
    pub fn to_jwk(&self) -> Value {
        match self {
            PublicKey::Ed25519(key) => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(key.as_bytes()),
            }),
            PublicKey::P256(key) => {
                let point = key.to_encoded_point(false);
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(point.x().map(|x| x.to_vec()).unwrap_or_default()),
                    "y": URL_SAFE_NO_PAD.encode(point.y().map(|y| y.to_vec()).unwrap_or_default()),
                })
            }
        }
    }

    /// Parses a public JWK (`OKP`/`Ed25519` or `EC`/`P-256`); private members are ignored.
    ///
    /// # Errors
    /// [`KeyError::InvalidDocument`] for other key types or missing members, else as
    /// [`PublicKey::from_bytes`].
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        let member = |name: &str| -> Result<Vec<u8>, KeyError> {
            let s = jwk.get(name).and_then(Value::as_str).ok_or_else(|| {
                KeyError::InvalidDocument(format!("JWK has no string member `{name}`"))
            })?;
            URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| KeyError::InvalidDocument(format!("JWK `{name}` is not base64url")))
        };
        let kty = jwk.get("kty").and_then(Value::as_str);
        let crv = jwk.get("crv").and_then(Value::as_str);
        match (kty, crv) {
            (Some("OKP"), Some("Ed25519")) => Self::from_bytes(Algorithm::Ed25519, &member("x")?),
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (member("x")?, member("y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(KeyError::InvalidKey(Algorithm::P256));
                }
                let mut sec1 = vec![0x04];
                sec1.extend(x);
                sec1.extend(y);
                Self::from_bytes(Algorithm::P256, &sec1)
            }
            _ => Err(KeyError::InvalidDocument(format!(
                "unsupported JWK key type {kty:?} / curve {crv:?}"
            ))),
        }
    }

    /// Verifies `signature` over `message`.
    ///
    /// Ed25519 uses `verify_strict` (RFC 8032 with the checks that reject small-order keys and
    /// non-canonical signatures); P-256 takes the 64-byte `r || s` form and hashes `message` with
    /// SHA-256. Returns `false` for any malformed signature: it never says why (signature failures
    /// stay opaque).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Ed25519(key) => {
                let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                key.verify_strict(message, &signature).is_ok()
            }
            PublicKey::P256(key) => {
                let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else {
                    return false;
                };
                p256::ecdsa::VerifyingKey::from(key)
                    .verify(message, &signature)
                    .is_ok()
            }
        }
    }
}

/// Splits multicodec-prefixed bytes into the codec and the data.
fn split_multicodec(bytes: &[u8]) -> Result<(u64, &[u8]), KeyError> {
    MultiEncoded::new(bytes)
        .map(MultiEncoded::parts)
        .map_err(|_| KeyError::Multibase("no valid multicodec prefix".into()))
}

/// Decodes a base58btc multibase string (`z…`).
pub(crate) fn decode_base58btc(encoded: &str) -> Result<Vec<u8>, KeyError> {
    let (base, bytes) =
        multibase::decode(encoded).map_err(|e| KeyError::Multibase(e.to_string()))?;
    if base != multibase::Base::Base58Btc {
        return Err(KeyError::Multibase(format!(
            "expected base58btc (`z`), got {base:?}"
        )));
    }
    Ok(bytes)
}

/// A software key: an Ed25519 or P-256 secret held in memory, zeroized on drop.
///
/// `Debug` shows only the public key.
#[derive(Clone)]
pub enum SoftwareKey {
    /// Ed25519 (the default).
    Ed25519(ed25519_dalek::SigningKey),
    /// P-256.
    P256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SoftwareKey({})", self.public_key().to_multibase())
    }
}

impl SoftwareKey {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate(algorithm: Algorithm) -> Self {
        let mut rng = rand_core::OsRng;
        match algorithm {
            Algorithm::Ed25519 => {
                SoftwareKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng))
            }
            Algorithm::P256 => SoftwareKey::P256(p256::ecdsa::SigningKey::random(&mut rng)),
        }
    }

    /// Builds a key from a 32-byte Ed25519 seed or P-256 secret scalar (big-endian).
    ///
    /// # Errors
    /// [`KeyError::WrongLength`], or [`KeyError::InvalidKey`] for a P-256 scalar that is zero or
    /// not below the group order.
    pub fn from_secret_bytes(algorithm: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        let secret: Zeroizing<[u8; 32]> =
            Zeroizing::new(secret.try_into().map_err(|_| KeyError::WrongLength {
                algorithm,
                expected: 32,
                actual: secret.len(),
            })?);
        match algorithm {
            Algorithm::Ed25519 => Ok(SoftwareKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                &secret,
            ))),
            Algorithm::P256 => p256::ecdsa::SigningKey::from_bytes(secret.as_ref().into())
                .map(SoftwareKey::P256)
                .map_err(|_| KeyError::InvalidKey(algorithm)),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SoftwareKey::Ed25519(_) => Algorithm::Ed25519,
            SoftwareKey::P256(_) => Algorithm::P256,
        }
    }

    /// The 32 secret bytes (Ed25519 seed or P-256 scalar), zeroized when dropped.
    pub fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        match self {
            SoftwareKey::Ed25519(key) => Zeroizing::new(key.to_bytes().to_vec()),
            SoftwareKey::P256(key) => Zeroizing::new(key.to_bytes().to_vec()),
        }
    }

    /// The `secretKeyMultibase` form: base58btc of the multicodec-prefixed secret.
    pub fn secret_multibase(&self) -> Zeroizing<String> {
        let codec = match self {
            SoftwareKey::Ed25519(_) => ED25519_PRIV,
            SoftwareKey::P256(_) => P256_PRIV,
        };
        let bytes =
            Zeroizing::new(MultiEncodedBuf::encode_bytes(codec, &self.secret_bytes()).into_bytes());
        Zeroizing::new(multibase::encode(
            multibase::Base::Base58Btc,
            bytes.as_slice(),
        ))
    }

    /// Parses a `secretKeyMultibase` value.
    ///
    /// # Errors
    /// [`KeyError::Multibase`], [`KeyError::UnsupportedMulticodec`], or as
    /// [`SoftwareKey::from_secret_bytes`].
    pub fn from_secret_multibase(encoded: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(decode_base58btc(encoded)?);
        let (codec, data) = split_multicodec(&bytes)?;
        match codec {
            ED25519_PRIV => Self::from_secret_bytes(Algorithm::Ed25519, data),
            P256_PRIV => Self::from_secret_bytes(Algorithm::P256, data),
            other => Err(KeyError::UnsupportedMulticodec(format!("{other:x}"))),
        }
    }

    /// The key as a W3C Multikey document with its secret:
    /// `{"type": "Multikey", "publicKeyMultibase": …, "secretKeyMultibase": …}`.
    ///
    /// The returned JSON holds the secret; the caller decides where it may go.
    pub fn to_multikey_json(&self) -> Zeroizing<String> {
        let doc = MultikeyDocument {
            type_: "Multikey".into(),
            public_key_multibase: self.public_key().to_multibase(),
            secret_key_multibase: Some(self.secret_multibase().to_string()),
            private_key_multibase: None,
        };
        // Serializing a struct of strings to JSON cannot fail.
        Zeroizing::new(serde_json::to_string_pretty(&doc).unwrap_or_default())
    }

    /// Parses a Multikey document holding a secret (`secretKeyMultibase`, or the older
    /// `privateKeyMultibase`), and checks that its `publicKeyMultibase`, when present, matches.
    ///
    /// # Errors
    /// [`KeyError::InvalidDocument`] when the JSON is not such a document or the public key
    /// does not belong to the secret.
    pub fn from_multikey_json(json: &str) -> Result<Self, KeyError> {
        let doc: MultikeyDocument = serde_json::from_str(json)
            .map_err(|e| KeyError::InvalidDocument(format!("not a Multikey document: {e}")))?;
        let secret = doc
            .secret_key_multibase
            .as_deref()
            .or(doc.private_key_multibase.as_deref())
            .ok_or_else(|| KeyError::InvalidDocument("no secretKeyMultibase".into()))?;
        let key = Self::from_secret_multibase(secret)?;
        if !doc.public_key_multibase.is_empty()
            && PublicKey::from_multibase(&doc.public_key_multibase)? != key.public_key()
        {
            return Err(KeyError::InvalidDocument(
                "publicKeyMultibase does not match the secret key".into(),
            ));
        }
        Ok(key)
    }

    /// The private JWK (with `d`). The returned JSON holds the secret.
    pub fn to_private_jwk(&self) -> Zeroizing<String> {
        let mut jwk = self.public_key().to_jwk();
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert(
                "d".into(),
                Value::String(URL_SAFE_NO_PAD.encode(self.secret_bytes().as_slice())),
            );
        }
        let out = Zeroizing::new(jwk.to_string());
        if let Some(Value::String(d)) = jwk.get_mut("d") {
            d.zeroize();
        }
        out
    }

    /// Parses a private JWK (`OKP`/`Ed25519` or `EC`/`P-256` with `d`); checks the public part.
    ///
    /// # Errors
    /// [`KeyError::InvalidDocument`] when it is not such a JWK or `x`/`y` do not match `d`.
    pub fn from_private_jwk(json: &str) -> Result<Self, KeyError> {
        let jwk: Value = serde_json::from_str(json)
            .map_err(|e| KeyError::InvalidDocument(format!("not JSON: {e}")))?;
        let public = PublicKey::from_jwk(&jwk)?;
        let d = jwk
            .get("d")
            .and_then(Value::as_str)
            .ok_or_else(|| KeyError::InvalidDocument("JWK has no private member `d`".into()))?;
        let d = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(d)
                .map_err(|_| KeyError::InvalidDocument("JWK `d` is not base64url".into()))?,
        );
        let key = Self::from_secret_bytes(public.algorithm(), &d)?;
        if key.public_key() != public {
            return Err(KeyError::InvalidDocument(
                "JWK public members do not match `d`".into(),
            ));
        }
        Ok(key)
    }
}

impl Signer for SoftwareKey {
    fn public_key(&self) -> PublicKey {
        match self {
            SoftwareKey::Ed25519(key) => PublicKey::Ed25519(key.verifying_key()),
            SoftwareKey::P256(key) => PublicKey::P256((*key.verifying_key()).into()),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        Ok(match self {
            SoftwareKey::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
            SoftwareKey::P256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                // Low-S form: the specs accept either, but some verifiers insist on low S.
                let signature = signature.normalize_s().unwrap_or(signature);
                signature.to_bytes().to_vec()
            }
        })
    }
}

/// Multikey JSON (<https://www.w3.org/TR/cid-1.0/#Multikey>) as lommebok reads and writes it.
#[derive(Serialize, Deserialize, Zeroize)]
#[zeroize(drop)]
struct MultikeyDocument {
    #[serde(rename = "type", default)]
    type_: String,
    #[serde(rename = "publicKeyMultibase", default)]
    public_key_multibase: String,
    #[serde(
        rename = "secretKeyMultibase",
        skip_serializing_if = "Option::is_none",
        default
    )]
    secret_key_multibase: Option<String>,
    #[serde(
        rename = "privateKeyMultibase",
        skip_serializing_if = "Option::is_none",
        default
    )]
    private_key_multibase: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_multikey_round_trip_uses_0x8026_prefix() {
        let key = SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[7; 32]).unwrap();
        let secret = decode_base58btc(&key.secret_multibase()).unwrap();
        assert_eq!(&secret[..2], &[0x80, 0x26]);
        let back = SoftwareKey::from_multikey_json(&key.to_multikey_json()).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(key.public_key().to_multibase().starts_with("z6Mk"));
    }

    #[test]
    fn p256_multikey_round_trip_uses_0x8626_prefix() {
        let key = SoftwareKey::from_secret_bytes(Algorithm::P256, &[7; 32]).unwrap();
        let secret = decode_base58btc(&key.secret_multibase()).unwrap();
        assert_eq!(&secret[..2], &[0x86, 0x26]);
        let back = SoftwareKey::from_multikey_json(&key.to_multikey_json()).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(key.public_key().to_multibase().starts_with("zDn"));
    }

    #[test]
    fn jwk_round_trip_both_algorithms() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let key = SoftwareKey::generate(alg);
            let back = SoftwareKey::from_private_jwk(&key.to_private_jwk()).unwrap();
            assert_eq!(back.public_key(), key.public_key());
            let public = PublicKey::from_jwk(&key.public_key().to_jwk()).unwrap();
            assert_eq!(public, key.public_key());
        }
    }

    #[test]
    fn multikey_with_mismatched_public_key_is_rejected() {
        let a = SoftwareKey::generate(Algorithm::Ed25519);
        let b = SoftwareKey::generate(Algorithm::Ed25519);
        let doc = json!({
            "type": "Multikey",
            "publicKeyMultibase": b.public_key().to_multibase(),
            "secretKeyMultibase": a.secret_multibase().as_str(),
        });
        assert!(matches!(
            SoftwareKey::from_multikey_json(&doc.to_string()),
            Err(KeyError::InvalidDocument(_))
        ));
    }

    #[test]
    fn zero_p256_scalar_is_rejected() {
        assert!(matches!(
            SoftwareKey::from_secret_bytes(Algorithm::P256, &[0; 32]),
            Err(KeyError::InvalidKey(Algorithm::P256))
        ));
    }

    #[test]
    fn sign_and_verify_both_algorithms_and_reject_other_message() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let key = SoftwareKey::generate(alg);
            let sig = key.sign(b"hello").unwrap();
            assert!(key.public_key().verify(b"hello", &sig));
            assert!(!key.public_key().verify(b"hellp", &sig));
            assert!(!key.public_key().verify(b"hello", &sig[..sig.len() - 1]));
        }
    }

    #[test]
    fn p256_signatures_are_low_s() {
        let key = SoftwareKey::generate(Algorithm::P256);
        for i in 0..32u8 {
            let sig = key.sign(&[i]).unwrap();
            let sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
            assert!(
                sig.normalize_s().is_none(),
                "high-S signature for message {i}"
            );
        }
    }

    #[test]
    fn secret_keys_are_zeroized_on_drop() {
        // Compile-time proof: both secret key types wipe their memory when dropped.
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroized_on_drop::<ed25519_dalek::SigningKey>();
        zeroized_on_drop::<p256::ecdsa::SigningKey>();
        zeroized_on_drop::<Zeroizing<String>>();
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let key = SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[9; 32]).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(key.secret_multibase().as_str()));
        assert!(!shown.contains(&hex::encode([9u8; 32])));
    }
}
