//! The [`HolderWallet`]: the citizen's wallet kept in a [`WalletStore`] — the holder key,
//! the credentials it holds (checked before they are kept), answers to a verifier's DCQL query
//! with the minimum that answers it, and a sealed log of every presentation made.
//!
//! ```text
//! open(storage, key, signer)      holder key: the platform's (only its DID is recorded) or a
//!                                 software key made on first open, kept sealed in the store
//! import(text, &verifier, key)    verified (as issued) and bound to this holder, then kept
//! list() / export(id) / delete(id)
//! answers(&query)                 which held credentials answer, and what each would reveal
//! present(&query, &[Choice], &request, verifier_name)
//!                                 one presentation per choice (SD-JWT: only the requested
//!                                 disclosures and a KB-JWT; ecdsa-sd-2023: a VP of a derived
//!                                 credential; other Data Integrity: a signed VP), and
//!                                 one activity entry each
//! activity() / activity_json()    the log
//! ```

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Wallet;
use super::store::{
    CredentialFormat, Listing, Storage, StoreError, StoreKey, StoredCredential, WalletStore,
};
use crate::contexts::ContextRegistry;
use crate::credential::Credential;
use crate::delegation::Delegation;
use crate::did::Did;
use crate::key::{Algorithm, PublicKey, Signer, SoftwareKey};
use crate::query::{
    ClaimSetMatch, DcqlQuery, HeldCredential, QueryMatch, Release, SdJwtRelease, SelectiveRelease,
};
use crate::sd_jwt::{self, ClaimPath, SdJwtIssuerKey};
use crate::trust::request::CheckedRequest;
use crate::verify::{PresentationRequest, VerificationReport, Verifier};

/// The setting that records which holder key the wallet uses.
pub(crate) const HOLDER_SETTING: &str = "holder";
/// The id of the software holder key record.
const HOLDER_KEY_ID: &str = "holder";

/// Errors from the [`HolderWallet`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HolderWalletError {
    /// The store failed: a wrong passphrase or key ([`StoreError::WrongKey`]), a damaged
    /// record, the storage.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The input could not be read (not a credential, not an SD-JWT), or presenting failed
    /// (e.g. the signer refused: see [`crate::Error::is_signing_failure`]).
    #[error(transparent)]
    Lommebok(#[from] crate::Error),
    /// The credential does not verify; the report says why.
    #[error("the credential does not verify: {}", crate::verify::failure_reasons(.report))]
    NotVerified {
        /// Every check made.
        report: VerificationReport,
    },
    /// The credential is about, or bound to, someone other than this wallet's holder.
    #[error("the credential is not bound to this wallet's holder {holder}")]
    NotBound {
        /// The holder's DID.
        holder: String,
    },
    /// An SD-JWT can only be checked with its issuer's key, and none was given.
    #[error("an SD-JWT needs its issuer's key to be checked")]
    IssuerKeyNeeded,
    /// The store was made for another holder key than the one given.
    #[error("this wallet store belongs to the holder {recorded}, not {given}")]
    HolderKeyMismatch {
        /// The holder DID recorded in the store.
        recorded: String,
        /// The holder DID of the key given.
        given: String,
    },
    /// The wallet's holder key is a platform key, and no signer was given to open it with.
    #[error("this wallet's holder key is a platform key ({did}): open it with that key's signer")]
    PlatformKeyNeeded {
        /// The holder DID recorded in the store.
        did: String,
    },
    /// No credential with this id is held.
    #[error("no credential `{0}` in the wallet")]
    UnknownCredential(String),
    /// What was chosen does not answer the query (or the request cannot be answered safely).
    #[error("not an answer to the request: {0}")]
    NotAnAnswer(String),
    /// The signed request may not be answered: its verifier is not registered, asks for more
    /// than its registration allows, or wants the response sent elsewhere.
    #[error("the request is refused: {0}")]
    Refused(String),
}

/// Whose key signs for the wallet, as recorded (sealed) in the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HolderRecord {
    did: String,
    /// `platform` or `software`.
    kind: String,
    public_key_multibase: String,
}

/// The setting that lists the holder DIDs of platform keys lost with a phone.
const PREVIOUS_HOLDERS_SETTING: &str = "previous-holders";

fn previous_holders(store: &WalletStore) -> Result<Vec<String>, StoreError> {
    match store.setting(PREVIOUS_HOLDERS_SETTING)? {
        None => Ok(Vec::new()),
        Some(value) => serde_json::from_value(value).map_err(|_| {
            StoreError::Corrupt("the previous holders setting is not readable".into())
        }),
    }
}

/// Whether `held` can be presented at all: not a credential about a previous holder (its key
/// was lost with a phone; it must be re-issued first).
fn presentable(held: &HeldCredential, previous: &[String]) -> bool {
    if previous.is_empty() {
        return true;
    }
    if let Some(credential) = held.credential() {
        return !credential
            .subject_ids()
            .iter()
            .flatten()
            .any(|id| previous.iter().any(|p| p == id));
    }
    // An SD-JWT is bound to its `cnf` key: the did:key of that key.
    let bound_to = held
        .sd_jwt_compact()
        .and_then(|compact| sd_jwt::inspect(compact).ok())
        .and_then(|contents| contents.claims.get("cnf").cloned())
        .and_then(|cnf| sd_jwt::holder_key(&cnf).ok())
        .map(|key| Did::from_public_key(&key).to_string());
    bound_to.is_none_or(|did| !previous.contains(&did))
}

pub(crate) const PLATFORM: &str = "platform";
const SOFTWARE: &str = "software";

/// What a wallet screen shows of a held credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialSummary {
    /// The wallet-local id (for [`HolderWallet::export`], [`HolderWallet::delete`], [`Choice`]).
    pub id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// Its types: the `type` values of a Data Integrity credential, the `vct` of an SD-JWT VC.
    pub types: Vec<String>,
    /// The issuer: `issuer` (Data Integrity) or `iss` (SD-JWT), if named.
    pub issuer: Option<String>,
    /// Valid from: `validFrom`, or `nbf`.
    pub valid_from: Option<DateTime<Utc>>,
    /// Valid until: `validUntil`, or `exp`.
    pub valid_until: Option<DateTime<Utc>>,
}

/// What the wallet knows of a held credential's status (revocation, suspension).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeldStatus {
    /// The credential has no status entry: it cannot be revoked.
    NoStatus,
    /// Its issuer's status lists say it is in force.
    Valid,
    /// Revoked by its issuer.
    Revoked,
    /// Suspended by its issuer (it may be reinstated).
    Suspended,
    /// Not known now: the status list is not at hand, does not verify, or the issuer's key is
    /// not known. The reason says which.
    Unknown(String),
}

/// The status of `stored` as `verifier` sees it.
fn held_status(stored: &StoredCredential, verifier: &Verifier) -> HeldStatus {
    let report = match stored.format {
        CredentialFormat::DataIntegrity => verifier
            .verify_credential_as_issued(&stored.data)
            .map(|v| v.report),
        CredentialFormat::SdJwt => {
            let Some(issuer) = sd_jwt_issuer_key(&stored.data) else {
                return match sd_jwt::inspect(&stored.data) {
                    Ok(contents) if !contents.claims.contains_key("status") => HeldStatus::NoStatus,
                    _ => HeldStatus::Unknown(
                        "the issuer's key is not known to the wallet".to_owned(),
                    ),
                };
            };
            verifier
                .verify_sd_jwt_as_issued(&stored.data, &issuer)
                .map(|v| v.report)
        }
    };
    let report = match report {
        Ok(report) => report,
        Err(e) => return HeldStatus::Unknown(e.to_string()),
    };
    let checks: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.check == crate::CheckKind::Status)
        .collect();
    if checks.is_empty() {
        return HeldStatus::NoStatus;
    }
    // The verifier's status reasons start with what the list says.
    let starts =
        |reason: &str, word: &str| reason == word || reason.starts_with(&format!("{word} "));
    if let Some(check) = checks.iter().find(|c| !c.passed) {
        if starts(&check.reason, "revoked") {
            HeldStatus::Revoked
        } else if starts(&check.reason, "suspended") {
            HeldStatus::Suspended
        } else {
            HeldStatus::Unknown(check.reason.clone())
        }
    } else {
        HeldStatus::Valid
    }
}

/// The key an SD-JWT names for its issuer: the header's `kid` when it is a DID URL of the
/// `iss` DID (resolved and checked by the verifier like any other).
fn sd_jwt_issuer_key(sd_jwt: &str) -> Option<SdJwtIssuerKey> {
    let jwt = sd_jwt.split('~').next()?;
    let jws = crate::jws::Jws::decode(jwt).ok()?;
    let kid = jws.kid()?;
    let iss = jws.payload.get("iss")?.as_str()?;
    let did = crate::did::split_did_url(kid).ok()?;
    (did.as_str() == iss).then(|| SdJwtIssuerKey::VerificationMethod(kid.to_owned()))
}

/// One answer the holder chose to give: for the Credential Query `query_id`, the held
/// credential `held_id`, the way `claim_set` (the index in the query's `claim_sets`, as in
/// [`crate::query::ClaimSetMatch::claim_set`]; `None` when the query has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The Credential Query's id.
    pub query_id: String,
    /// The held credential's id.
    pub held_id: String,
    /// The claim set used.
    pub claim_set: Option<usize>,
}

impl Choice {
    /// A choice.
    pub fn new(
        query_id: impl Into<String>,
        held_id: impl Into<String>,
        claim_set: Option<usize>,
    ) -> Self {
        Choice {
            query_id: query_id.into(),
            held_id: held_id.into(),
            claim_set,
        }
    }

    /// The default answer to a matched query: for every Credential Query its
    /// [`selection`](crate::query::CredentialQueryMatch::selection), each in the verifier's
    /// preferred way. Empty when the query cannot be answered.
    pub fn defaults(matched: &QueryMatch) -> Vec<Choice> {
        if !matched.satisfiable {
            return Vec::new();
        }
        matched
            .credentials
            .iter()
            .flat_map(|query| {
                query.selection().iter().filter_map(|candidate| {
                    candidate
                        .preferred()
                        .map(|way| Choice::new(&query.query_id, &candidate.held_id, way.claim_set))
                })
            })
            .collect()
    }
}

/// One presentation made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresentedCredential {
    /// The Credential Query it answers.
    pub query_id: String,
    /// The held credential presented.
    pub held_id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// The presentation: an SD-JWT with a Key Binding JWT (`<JWT>~<disclosure>~…~<KB-JWT>`),
    /// or a Verifiable Presentation as JSON text.
    pub presentation: String,
    /// The id of its activity log entry.
    pub activity_id: String,
}

/// The presentations made for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Presentations {
    /// One per [`Choice`], in the order given.
    pub presentations: Vec<PresentedCredential>,
}

impl Presentations {
    /// The OpenID4VP 1.0 `vp_token` (§8.1): a JSON object from each Credential Query id to
    /// its presentations (an SD-JWT as a string, a Verifiable Presentation as an object).
    pub fn vp_token(&self) -> Value {
        let mut token = Map::new();
        for presented in &self.presentations {
            let value = match presented.format {
                CredentialFormat::SdJwt => Value::String(presented.presentation.clone()),
                CredentialFormat::DataIntegrity => serde_json::from_str(&presented.presentation)
                    .unwrap_or_else(|_| Value::String(presented.presentation.clone())),
            };
            if let Value::Array(list) = token
                .entry(presented.query_id.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(value);
            }
        }
        Value::Object(token)
    }
}

/// What left the phone in one presentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Released {
    /// A Data Integrity credential, signed whole: every claim of it. `claims` lists its
    /// subject's claims (`credentialSubject.…`).
    #[serde(rename_all = "camelCase")]
    WholeCredential {
        /// The subject's claims, as paths.
        claims: Vec<String>,
    },
    /// An SD-JWT: the claims disclosed, and those the issuer made always visible.
    #[serde(rename_all = "camelCase")]
    Disclosed {
        /// The claims disclosed (whole subtrees), as paths (`address.locality`).
        claims: Vec<String>,
        /// The claims always visible (`iss`, `vct`, `cnf`, …).
        always_visible: Vec<String>,
    },
    /// A credential derived from an `ecdsa-sd-2023` base proof: only the claims disclosed for
    /// the query and those the issuer made mandatory (every claim that left is in one of the
    /// two).
    #[serde(rename_all = "camelCase")]
    Selective {
        /// The claims disclosed for the query, as paths from the credential's root
        /// (`credentialSubject.name`).
        disclosed: Vec<String>,
        /// The claims the issuer made mandatory (`issuer`, `validFrom`, `type`, …).
        mandatory: Vec<String>,
    },
}

impl Released {
    /// What an SD-JWT presentation of `release` sends.
    fn of_sd_jwt(release: &SdJwtRelease) -> Self {
        let paths = |list: &[ClaimPath]| list.iter().map(ToString::to_string).collect();
        Released::Disclosed {
            claims: paths(&release.disclosed_claims),
            always_visible: paths(&release.always_visible),
        }
    }

    /// What a presentation of a credential derived for `release` sends.
    fn of_selective(release: &SelectiveRelease) -> Self {
        let paths = |list: &[ClaimPath]| list.iter().map(ToString::to_string).collect();
        Released::Selective {
            disclosed: paths(&release.disclosed),
            mandatory: paths(&release.mandatory),
        }
    }

    /// What a presentation of the whole `credential` sends: every claim of its subject(s), as
    /// paths (`credentialSubject.municipality`, or `credentialSubject.0.…` for several).
    fn of_credential(credential: &Credential) -> Self {
        let subjects = credential.subjects();
        let several = subjects.len() > 1;
        let mut claims = Vec::new();
        for (index, subject) in subjects.iter().enumerate() {
            for name in subject.keys() {
                claims.push(if several {
                    format!("credentialSubject.{index}.{name}")
                } else {
                    format!("credentialSubject.{name}")
                });
            }
        }
        Released::WholeCredential { claims }
    }
}

/// An activity log entry: one presentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Activity {
    /// The log record's id (set when read; not part of the sealed entry).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// When the presentation was made.
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// The verifier, as the app named it to the holder.
    pub verifier: String,
    /// The request's domain (audience), if it named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The Credential Query answered.
    pub query_id: String,
    /// The held credential presented.
    pub credential_id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// Its types (`type` or `vct`).
    pub credential_types: Vec<String>,
    /// Its issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// What left the phone.
    pub released: Released,
}

mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// A held credential, read: what a screen shows and what a query matches.
struct Read {
    summary: CredentialSummary,
    held: HeldCredential,
}

/// The citizen's wallet over a [`WalletStore`]:
///
/// ```text
/// open(storage, key, signer)      holder key: the platform's (only its DID is recorded) or a
///                                 software key made on first open, kept sealed in the store
/// import(text, &verifier, key)    verified (as issued) and bound to this holder, then kept
/// list() / export(id) / delete(id)
/// answers(&query)                 which held credentials answer, and what each would reveal
/// present(&query, &[Choice], &request, verifier_name)
///                                 one presentation per choice (SD-JWT: only the requested
///                                 disclosures and a KB-JWT; ecdsa-sd-2023: a VP of a derived
///                                 credential; other Data Integrity: a signed VP), and
///                                 one activity entry each
/// activity() / activity_json()    the log
/// ```
pub struct HolderWallet {
    store: WalletStore,
    wallet: Wallet,
    contexts: ContextRegistry,
    software_key: bool,
}

impl std::fmt::Debug for HolderWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderWallet")
            .field("did", self.did())
            .field("software_key", &self.software_key)
            .finish_non_exhaustive()
    }
}

impl HolderWallet {
    /// Opens the wallet in `storage` with the store key `key` (created when `storage` is
    /// empty).
    ///
    /// With a `signer` (a platform key), the wallet signs with it; the first open records its
    /// DID and public key (sealed), and later opens must give the same key. Without one, the
    /// wallet uses its software holder key: an Ed25519 key generated on first open and kept
    /// sealed in the store.
    ///
    /// # Errors
    /// [`HolderWalletError::Store`] ([`StoreError::WrongKey`] for a wrong passphrase, …);
    /// [`HolderWalletError::HolderKeyMismatch`] when `signer` is not the recorded holder key;
    /// [`HolderWalletError::PlatformKeyNeeded`] when the store was made with a platform key and
    /// none is given.
    pub fn open(
        storage: Arc<dyn Storage>,
        key: &dyn StoreKey,
        signer: Option<Arc<dyn Signer>>,
    ) -> Result<Self, HolderWalletError> {
        let store = WalletStore::open(storage, key)?;
        let recorded: Option<HolderRecord> = match store.setting(HOLDER_SETTING)? {
            Some(value) => Some(serde_json::from_value(value).map_err(|_| {
                StoreError::Corrupt("the holder key setting is not readable".into())
            })?),
            None => None,
        };
        let (signer, software_key): (Arc<dyn Signer>, bool) = match signer {
            Some(signer) => (signer, false),
            None => match store.holder_key(HOLDER_KEY_ID)? {
                Some(software) => (Arc::new(software), true),
                None => match &recorded {
                    Some(record) if record.kind == PLATFORM => {
                        return Err(HolderWalletError::PlatformKeyNeeded {
                            did: record.did.clone(),
                        });
                    }
                    Some(_) => {
                        return Err(StoreError::Corrupt(
                            "the wallet's software holder key is missing".into(),
                        )
                        .into());
                    }
                    None => {
                        let software = SoftwareKey::generate(Algorithm::Ed25519);
                        store.put_holder_key(HOLDER_KEY_ID, &software)?;
                        (Arc::new(software), true)
                    }
                },
            },
        };
        let public_key = signer.public_key();
        let did = Did::from_public_key(&public_key);
        match recorded {
            Some(record) if record.did != did.as_str() => {
                return Err(HolderWalletError::HolderKeyMismatch {
                    recorded: record.did,
                    given: did.to_string(),
                });
            }
            Some(_) => {}
            None => {
                let record = HolderRecord {
                    did: did.to_string(),
                    kind: if software_key { SOFTWARE } else { PLATFORM }.to_owned(),
                    public_key_multibase: public_key.to_multibase(),
                };
                let value = serde_json::to_value(&record).map_err(|e| {
                    StoreError::Invalid(format!("cannot encode the holder key setting: {e}"))
                })?;
                store.put_setting(HOLDER_SETTING, &value)?;
            }
        }
        Ok(HolderWallet {
            store,
            wallet: Wallet::new(signer),
            contexts: ContextRegistry::default(),
            software_key,
        })
    }

    /// Moves a wallet whose holder key was a platform key (one that could not leave the old
    /// phone: after a recovery, its records are here but its key is not) to the new platform
    /// key `signer`, and opens it. The old holder DID is remembered
    /// ([`HolderWallet::previous_holders`]): credentials bound to it cannot be presented any
    /// more, and are re-issued to the new key through
    /// [`crate::reissuance::request`]. A wallet whose holder key is a software key (in the
    /// store, so recovered with it) is not moved.
    ///
    /// # Errors
    /// [`HolderWalletError::NotAnAnswer`] when the store has no platform holder key to move
    /// from; store errors.
    pub fn rebind_platform_key(
        storage: Arc<dyn Storage>,
        key: &dyn StoreKey,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, HolderWalletError> {
        let store = WalletStore::open(storage.clone(), key)?;
        let recorded: HolderRecord = store
            .setting(HOLDER_SETTING)?
            .and_then(|value| serde_json::from_value(value).ok())
            .ok_or_else(|| {
                HolderWalletError::NotAnAnswer("the store records no holder key".into())
            })?;
        if recorded.kind != PLATFORM {
            return Err(HolderWalletError::NotAnAnswer(
                "the wallet's holder key is a software key, kept in the store: nothing to move"
                    .into(),
            ));
        }
        let public_key = signer.public_key();
        let did = Did::from_public_key(&public_key);
        if recorded.did != did.as_str() {
            let mut previous = previous_holders(&store)?;
            if !previous.contains(&recorded.did) {
                previous.push(recorded.did.clone());
            }
            store.put_setting(PREVIOUS_HOLDERS_SETTING, &Value::from(previous))?;
            let record = HolderRecord {
                did: did.to_string(),
                kind: PLATFORM.to_owned(),
                public_key_multibase: public_key.to_multibase(),
            };
            let value = serde_json::to_value(&record).map_err(|e| {
                StoreError::Invalid(format!("cannot encode the holder key setting: {e}"))
            })?;
            store.put_setting(HOLDER_SETTING, &value)?;
        }
        drop(store);
        HolderWallet::open(storage, key, Some(signer))
    }

    /// An [`Issuer`](crate::Issuer) that signs as this wallet's holder (its DID, its key,
    /// platform or software), for what the citizen issues herself: a delegation to a helper
    /// ([`crate::delegation`]). Give it a status registry
    /// ([`Issuer::with_status`](crate::Issuer::with_status)) to be able to revoke it.
    pub fn issuer(&self) -> crate::Issuer {
        crate::Issuer::new(self.signer()).with_contexts(self.contexts.clone())
    }

    /// The holder's signer.
    pub(crate) fn signer(&self) -> Arc<dyn Signer> {
        self.wallet.signer().clone()
    }

    /// The holder DIDs this wallet had before (platform keys lost with a phone), oldest first.
    ///
    /// # Errors
    /// Store errors.
    pub fn previous_holders(&self) -> Result<Vec<String>, StoreError> {
        previous_holders(&self.store)
    }

    /// Uses `contexts` for JSON-LD (signing presentations, matching types).
    pub fn with_contexts(mut self, contexts: ContextRegistry) -> Self {
        self.wallet = self.wallet.with_contexts(contexts.clone());
        self.contexts = contexts;
        self
    }

    /// The holder's DID.
    pub fn did(&self) -> &Did {
        self.wallet.did()
    }

    /// The holder's public key (for an issuer to bind an SD-JWT VC to, as `cnf`).
    pub fn public_key(&self) -> PublicKey {
        self.wallet.public_key()
    }

    /// Whether the holder key is the wallet's own software key (rather than a platform key).
    pub fn has_software_key(&self) -> bool {
        self.software_key
    }

    /// The store underneath.
    pub fn store(&self) -> &WalletStore {
        &self.store
    }

    // --- holding ---

    /// Checks a credential and keeps it; returns what the wallet shows of it. A credential
    /// already held (the same text) is not kept twice: its summary is returned.
    ///
    /// A JSON object is a Data Integrity credential: it must verify as issued
    /// ([`Verifier::verify_credential_as_issued`], which checks an `ecdsa-sd-2023` base proof
    /// as a holder can) and every `credentialSubject.id` must be this holder's DID. Anything else is read as an SD-JWT VC as issued: it must verify with
    /// `sd_jwt_issuer` ([`Verifier::verify_sd_jwt_as_issued`]: issuer signature, disclosures,
    /// validity, status) and be bound (`cnf.jwk`) to this holder's key.
    ///
    /// # Errors
    /// [`HolderWalletError::Lommebok`] when it cannot be read at all;
    /// [`HolderWalletError::NotVerified`] when a check fails; [`HolderWalletError::NotBound`]
    /// when it is someone else's; [`HolderWalletError::IssuerKeyNeeded`] for an SD-JWT without
    /// `sd_jwt_issuer`; store errors.
    pub fn import(
        &self,
        credential: &str,
        verifier: &Verifier,
        sd_jwt_issuer: Option<&SdJwtIssuerKey>,
    ) -> Result<CredentialSummary, HolderWalletError> {
        let text = credential.trim();
        let not_bound = || HolderWalletError::NotBound {
            holder: self.did().to_string(),
        };
        let format = if text.starts_with('{') {
            let verified = verifier
                .verify_credential_as_issued(text)?
                .into_verified()
                .map_err(|report| HolderWalletError::NotVerified { report })?;
            let subjects = verified.credential().subject_ids();
            let own =
                !subjects.is_empty() && subjects.iter().all(|id| *id == Some(self.did().as_str()));
            // Someone else's credential is kept only under a delegation this wallet holds.
            if !own
                && self
                    .delegation_for(verified.credential(), None, Some(verifier))?
                    .is_none()
            {
                return Err(not_bound());
            }
            CredentialFormat::DataIntegrity
        } else {
            let issuer = sd_jwt_issuer.ok_or(HolderWalletError::IssuerKeyNeeded)?;
            let verified = verifier
                .verify_sd_jwt_as_issued(text, issuer)?
                .into_verified()
                .map_err(|report| HolderWalletError::NotVerified { report })?;
            if verified.holder_key() != Some(&self.public_key()) {
                return Err(not_bound());
            }
            CredentialFormat::SdJwt
        };
        // The same credential again: keep one copy (a consent screen would show it twice).
        if let Some(held) = self
            .store
            .credentials()?
            .records
            .into_iter()
            .find(|held| held.format == format && held.data == text)
        {
            return Ok(self.read(&held)?.summary);
        }
        let id = self.store.add_credential(format, text)?;
        let stored = StoredCredential {
            id,
            format,
            data: text.to_owned(),
        };
        Ok(self.read(&stored)?.summary)
    }

    /// Every credential held, with the records that could not be opened or read reported
    /// apart.
    ///
    /// # Errors
    /// Storage errors only.
    pub fn list(&self) -> Result<Listing<CredentialSummary>, StoreError> {
        let listing = self.read_all()?;
        Ok(Listing {
            records: listing.records.into_iter().map(|r| r.summary).collect(),
            damaged: listing.damaged,
        })
    }

    /// Every credential held with its current status as `verifier` sees it (give it the
    /// status lists the app fetched: [`Verifier::with_status_source`]), for a wallet screen.
    /// Reading a status never fails the listing: what cannot be known is
    /// [`HeldStatus::Unknown`].
    ///
    /// # Errors
    /// Storage errors only.
    pub fn list_with_status(
        &self,
        verifier: &Verifier,
    ) -> Result<Listing<(CredentialSummary, HeldStatus)>, StoreError> {
        let listing = self.read_all()?;
        let mut records = Vec::with_capacity(listing.records.len());
        for read in listing.records {
            let status = match self.store.credential(&read.summary.id)? {
                Some(stored) => held_status(&stored, verifier),
                None => HeldStatus::Unknown("the credential was deleted meanwhile".into()),
            };
            records.push((read.summary, status));
        }
        Ok(Listing {
            records,
            damaged: listing.damaged,
        })
    }

    /// The credential `id` as it was imported (JSON text, or the SD-JWT as issued), to back it
    /// up or move it.
    ///
    /// # Errors
    /// [`HolderWalletError::UnknownCredential`]; store errors.
    pub fn export(&self, id: &str) -> Result<String, HolderWalletError> {
        self.store
            .credential(id)?
            .map(|stored| stored.data)
            .ok_or_else(|| HolderWalletError::UnknownCredential(id.to_owned()))
    }

    /// Deletes the credential `id`; `false` when there was none. Its activity entries stay.
    ///
    /// # Errors
    /// Storage errors.
    pub fn delete(&self, id: &str) -> Result<bool, StoreError> {
        self.store.delete_credential(id)
    }

    fn read(&self, stored: &StoredCredential) -> Result<Read, crate::Error> {
        match stored.format {
            CredentialFormat::DataIntegrity => {
                let credential = Credential::from_json_str(&stored.data)?;
                let summary = CredentialSummary {
                    id: stored.id.clone(),
                    format: stored.format,
                    types: credential.types().to_vec(),
                    issuer: Some(credential.issuer().to_owned()),
                    valid_from: credential.valid_from(),
                    valid_until: credential.valid_until(),
                };
                let held = HeldCredential::data_integrity_with_contexts(
                    stored.id.clone(),
                    credential,
                    &self.contexts,
                );
                Ok(Read { summary, held })
            }
            CredentialFormat::SdJwt => {
                let contents = sd_jwt::inspect(&stored.data)?;
                let claim = |name: &str| contents.claims.get(name);
                let date = |name: &str| {
                    claim(name)
                        .and_then(Value::as_i64)
                        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
                };
                let summary = CredentialSummary {
                    id: stored.id.clone(),
                    format: stored.format,
                    types: claim("vct")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .into_iter()
                        .collect(),
                    issuer: claim("iss").and_then(Value::as_str).map(str::to_owned),
                    valid_from: date("nbf"),
                    valid_until: date("exp"),
                };
                let held = HeldCredential::sd_jwt(stored.id.clone(), &stored.data)?;
                Ok(Read { summary, held })
            }
        }
    }

    /// A held delegation that lets this wallet's holder present `credential` (about someone
    /// else) to `audience` (any audience when `None`: for import), as (its credential, its
    /// reading). Only delegations that verified on import are held; their validity is checked
    /// again by the verifier.
    ///
    /// On import (`importing` set), a delegation counts only if its principal issued it, or
    /// the import verifier has trust lists and the delegation passes them: otherwise the wallet
    /// would keep a credential no verifier accepts it presenting.
    fn delegation_for(
        &self,
        credential: &Credential,
        audience: Option<Option<&str>>,
        importing: Option<&Verifier>,
    ) -> Result<Option<(Credential, Delegation)>, StoreError> {
        let ids = credential.subject_ids();
        let [Some(principal)] = ids.as_slice() else {
            return Ok(None);
        };
        let types = crate::query::type_spellings(credential, &self.contexts);
        for stored in self.store.credentials()?.records {
            if stored.format != CredentialFormat::DataIntegrity {
                continue;
            }
            let Ok(held) = Credential::from_json_str(&stored.data) else {
                continue;
            };
            let Ok(delegation) = Delegation::from_credential(&held) else {
                continue;
            };
            let fits = delegation.delegate == self.did().as_str()
                && delegation.principal == *principal
                && delegation.covers_types(&types).is_ok()
                && audience.is_none_or(|audience| delegation.covers_audience(audience).is_ok())
                && importing.is_none_or(|verifier| {
                    delegation.is_self_issued()
                        || (verifier.trust_lists().is_some()
                            && verifier
                                .verify_credential_as_issued(&stored.data)
                                .is_ok_and(|v| v.is_valid()))
                });
            if fits {
                return Ok(Some((held, delegation)));
            }
        }
        Ok(None)
    }

    fn read_all(&self) -> Result<Listing<Read>, StoreError> {
        let listing = self.store.credentials()?;
        let mut read = Listing {
            records: Vec::new(),
            damaged: listing.damaged,
        };
        for stored in &listing.records {
            match self.read(stored) {
                Ok(record) => read.records.push(record),
                Err(e) => read.damaged.push(StoreError::Corrupt(format!(
                    "credential `{}` cannot be read: {e}",
                    stored.id
                ))),
            }
        }
        Ok(read)
    }

    // --- requests ---

    /// Which held credentials answer `query`, and what each answer would reveal (for the
    /// consent screen). Credentials that cannot be read are left out (see
    /// [`HolderWallet::list`]).
    ///
    /// # Errors
    /// Storage errors only.
    pub fn answers(&self, query: &DcqlQuery) -> Result<QueryMatch, StoreError> {
        let previous = previous_holders(&self.store)?;
        let held: Vec<HeldCredential> = self
            .read_all()?
            .records
            .into_iter()
            .filter(|r| presentable(&r.held, &previous))
            .map(|r| r.held)
            .collect();
        Ok(query.matches(&held))
    }

    /// What would leave the phone if the held credential `held_id` answered in the way `way`
    /// (one of its [`Candidate::ways`](crate::query::Candidate::ways) in [`Self::answers`]): for
    /// the consent screen, in the same form as the activity log records it.
    ///
    /// # Errors
    /// [`HolderWalletError::UnknownCredential`]; [`HolderWalletError::Lommebok`] when the
    /// credential cannot be read; store errors.
    pub fn released(
        &self,
        held_id: &str,
        way: &ClaimSetMatch,
    ) -> Result<Released, HolderWalletError> {
        match &way.release {
            Release::SdJwt(release) => return Ok(Released::of_sd_jwt(release)),
            Release::Selective(release) => return Ok(Released::of_selective(release)),
            _ => {}
        }
        let stored = self
            .store
            .credential(held_id)?
            .ok_or_else(|| HolderWalletError::UnknownCredential(held_id.to_owned()))?;
        match stored.format {
            CredentialFormat::DataIntegrity => Ok(Released::of_credential(
                &Credential::from_json_str(&stored.data).map_err(crate::Error::from)?,
            )),
            CredentialFormat::SdJwt => Err(HolderWalletError::NotAnAnswer(format!(
                "credential `{held_id}` is an SD-JWT, not a whole-credential answer"
            ))),
        }
    }

    /// Answers a signed request checked with [`crate::trust::request::check_request`], with
    /// the holder's `chosen` answers to its query, now: the presentations are for the
    /// verifier (audience its `client_id`, challenge its `nonce`) and the activity log names
    /// it as registered. Send them to [`CheckedRequest::response_uri`] only.
    ///
    /// # Errors
    /// [`HolderWalletError::Refused`] when the request may not be answered (unregistered,
    /// over-asking, response address not registered); otherwise as
    /// [`HolderWallet::present_at`].
    pub fn present_to(
        &self,
        request: &CheckedRequest,
        chosen: &[Choice],
    ) -> Result<Presentations, HolderWalletError> {
        self.present_to_at(request, chosen, Utc::now())
    }

    /// [`HolderWallet::present_to`], signed at `at`.
    ///
    /// # Errors
    /// As [`HolderWallet::present_to`].
    pub fn present_to_at(
        &self,
        request: &CheckedRequest,
        chosen: &[Choice],
        at: DateTime<Utc>,
    ) -> Result<Presentations, HolderWalletError> {
        if !request.is_acceptable() {
            return Err(HolderWalletError::Refused(
                request
                    .refusals
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        self.present_at(
            &request.query,
            chosen,
            &request.presentation_request(),
            &request.verifier_name(),
            at,
        )
    }

    /// Answers `request` with the holder's `chosen` answers to `query`, now: see
    /// [`HolderWallet::present_at`].
    ///
    /// # Errors
    /// As [`HolderWallet::present_at`].
    pub fn present(
        &self,
        query: &DcqlQuery,
        chosen: &[Choice],
        request: &PresentationRequest,
        verifier_name: &str,
    ) -> Result<Presentations, HolderWalletError> {
        self.present_at(query, chosen, request, verifier_name, Utc::now())
    }

    /// Answers `request` with the holder's `chosen` answers to `query`, signed at `at`: one
    /// presentation per choice, each with the minimum the chosen way needs — for an SD-JWT
    /// only the disclosures of the requested claims (with those around and inside them) and a
    /// Key Binding JWT on the request's challenge (`nonce`) and domain (`aud`); for a Data
    /// Integrity credential with an `ecdsa-sd-2023` base proof a Verifiable Presentation of the
    /// credential derived from it that discloses only the requested claims and the issuer's
    /// mandatory ones; for any other Data Integrity credential (which cannot be cut) a
    /// Verifiable Presentation of it. Presentations are signed with the challenge and domain. Then one activity entry per presentation is appended
    /// (sealed): when, to whom (`verifier_name` and the request's domain), which credential,
    /// and which claims.
    ///
    /// Nothing is presented unless the choices answer the query: each names a Credential
    /// Query, a candidate for it and one of its ways; a query not `multiple` is answered
    /// once; and together they meet the query (every Credential Query, or with
    /// `credential_sets` an option of every required set).
    ///
    /// # Errors
    /// [`HolderWalletError::NotAnAnswer`] when the choices do not answer the query, or the
    /// request names no domain while an SD-JWT is presented (its Key Binding JWT needs an
    /// audience); [`HolderWalletError::Lommebok`] when signing fails; store errors.
    pub fn present_at(
        &self,
        query: &DcqlQuery,
        chosen: &[Choice],
        request: &PresentationRequest,
        verifier_name: &str,
        at: DateTime<Utc>,
    ) -> Result<Presentations, HolderWalletError> {
        let not_an_answer = |why: String| HolderWalletError::NotAnAnswer(why);
        if verifier_name.trim().is_empty() {
            return Err(not_an_answer(
                "the verifier must be named: the activity log records who was answered".into(),
            ));
        }
        let read = self.read_all()?.records;
        let previous = previous_holders(&self.store)?;
        let held: Vec<HeldCredential> = read
            .iter()
            .filter(|r| presentable(&r.held, &previous))
            .map(|r| r.held.clone())
            .collect();
        for choice in chosen {
            if read
                .iter()
                .any(|r| r.summary.id == choice.held_id && !presentable(&r.held, &previous))
            {
                return Err(not_an_answer(format!(
                    "credential `{}` names this wallet's previous holder key (lost with the old \
                     phone): have it re-issued to the new key (reissuance::request)",
                    choice.held_id
                )));
            }
        }
        let matched = query.matches(&held);
        if !matched.satisfiable {
            return Err(not_an_answer(
                "the wallet holds nothing that answers this query".into(),
            ));
        }
        if chosen.is_empty() {
            return Err(not_an_answer("nothing was chosen".into()));
        }
        check_coverage(query, chosen).map_err(not_an_answer)?;

        // Build every presentation before anything is logged.
        let mut made = Vec::with_capacity(chosen.len());
        for choice in chosen {
            let query_match = matched.credential(&choice.query_id).ok_or_else(|| {
                not_an_answer(format!("the query has no credential `{}`", choice.query_id))
            })?;
            if !query_match.multiple
                && chosen
                    .iter()
                    .filter(|c| c.query_id == choice.query_id)
                    .count()
                    > 1
            {
                return Err(not_an_answer(format!(
                    "credential query `{}` takes one credential",
                    choice.query_id
                )));
            }
            let candidate = query_match
                .candidates
                .iter()
                .find(|c| c.held_id == choice.held_id)
                .ok_or_else(|| {
                    not_an_answer(format!(
                        "credential `{}` does not answer `{}`",
                        choice.held_id, choice.query_id
                    ))
                })?;
            let way = candidate
                .ways
                .iter()
                .find(|w| w.claim_set == choice.claim_set)
                .ok_or_else(|| {
                    not_an_answer(format!(
                        "credential `{}` does not answer `{}` with that claim set",
                        choice.held_id, choice.query_id
                    ))
                })?;
            let record = read
                .iter()
                .find(|r| r.summary.id == choice.held_id)
                .ok_or_else(|| HolderWalletError::UnknownCredential(choice.held_id.clone()))?;
            let (presentation, released) = match (&way.release, &record.held) {
                (Release::SdJwt(release), held) => {
                    let (Some(compact), Some(paths)) = (held.sd_jwt_compact(), way.sd_jwt_paths())
                    else {
                        return Err(not_an_answer("an SD-JWT answer without an SD-JWT".into()));
                    };
                    let Some(aud) = request.domain.as_deref() else {
                        return Err(not_an_answer(
                            "the request names no domain (audience) for the Key Binding JWT".into(),
                        ));
                    };
                    let presentation = self.wallet.present_sd_jwt_at(
                        compact,
                        paths,
                        &request.challenge,
                        aud,
                        at,
                    )?;
                    (presentation, Released::of_sd_jwt(release))
                }
                (Release::Selective(release), held) => {
                    let Some(credential) = held.credential() else {
                        return Err(not_an_answer(
                            "a selective answer without a Data Integrity credential".into(),
                        ));
                    };
                    if !credential
                        .subject_ids()
                        .iter()
                        .all(|id| *id == Some(self.did().as_str()))
                    {
                        return Err(not_an_answer(format!(
                            "credential `{}` is someone else's: a selectively disclosed \
                             credential cannot be presented on someone's behalf",
                            choice.held_id
                        )));
                    }
                    let presentation = self
                        .wallet
                        .present_selective_at(
                            credential,
                            &release.selective_pointers(),
                            request,
                            at,
                        )?
                        .to_json_string();
                    (presentation, Released::of_selective(release))
                }
                (_, held) => {
                    let Some(credential) = held.credential() else {
                        return Err(not_an_answer(
                            "a whole-credential answer without a Data Integrity credential".into(),
                        ));
                    };
                    let mut presented = vec![credential.clone()];
                    if !credential
                        .subject_ids()
                        .iter()
                        .all(|id| *id == Some(self.did().as_str()))
                    {
                        // Someone else's credential goes with the delegation that covers it.
                        let Some((delegation, _)) =
                            self.delegation_for(credential, Some(request.domain.as_deref()), None)?
                        else {
                            return Err(not_an_answer(format!(
                                "credential `{}` is someone else's, and no delegation held \
                                 covers presenting it here",
                                choice.held_id
                            )));
                        };
                        presented.push(delegation);
                    }
                    let presentation = self
                        .wallet
                        .present_at(&presented, request, at)?
                        .to_json_string();
                    (presentation, Released::of_credential(credential))
                }
            };
            let activity = Activity {
                id: String::new(),
                at,
                verifier: verifier_name.to_owned(),
                domain: request.domain.clone(),
                query_id: choice.query_id.clone(),
                credential_id: choice.held_id.clone(),
                format: record.summary.format,
                credential_types: record.summary.types.clone(),
                issuer: record.summary.issuer.clone(),
                released,
            };
            made.push((choice, presentation, activity));
        }

        let mut presentations = Vec::with_capacity(made.len());
        for (choice, presentation, activity) in made {
            let entry = serde_json::to_value(&activity).map_err(|e| {
                StoreError::Invalid(format!("cannot encode the activity entry: {e}"))
            })?;
            let activity_id = self.store.append_activity(&entry)?;
            presentations.push(PresentedCredential {
                query_id: choice.query_id.clone(),
                held_id: choice.held_id.clone(),
                format: activity.format,
                presentation,
                activity_id,
            });
        }
        Ok(Presentations { presentations })
    }

    // --- activity ---

    /// The activity log, oldest first, with the entries that could not be opened or read
    /// reported apart.
    ///
    /// # Errors
    /// Storage errors only.
    pub fn activity(&self) -> Result<Listing<Activity>, StoreError> {
        let listing = self.store.activity()?;
        let mut activity = Listing {
            records: Vec::new(),
            damaged: listing.damaged,
        };
        for entry in listing.records {
            match serde_json::from_value::<Activity>(entry.entry) {
                Ok(mut read) => {
                    read.id = entry.id;
                    activity.records.push(read);
                }
                Err(_) => activity.damaged.push(StoreError::Corrupt(format!(
                    "activity entry `{}` is not a presentation record",
                    entry.id
                ))),
            }
        }
        Ok(activity)
    }

    /// The activity log (the entries that open) as a JSON array, for the holder to export.
    ///
    /// # Errors
    /// Storage errors.
    pub fn activity_json(&self) -> Result<String, StoreError> {
        let records = self.activity()?.records;
        serde_json::to_string_pretty(&records)
            .map_err(|e| StoreError::Invalid(format!("cannot encode the activity log: {e}")))
    }
}

/// Whether the choices meet the query (§6.4.2): every Credential Query answered or, with
/// `credential_sets`, every required set has an option whose queries are all answered.
fn check_coverage(query: &DcqlQuery, chosen: &[Choice]) -> Result<(), String> {
    let answered: BTreeSet<&str> = chosen.iter().map(|c| c.query_id.as_str()).collect();
    match &query.credential_sets {
        None => match query
            .credentials
            .iter()
            .find(|q| !answered.contains(q.id.as_str()))
        {
            Some(missing) => Err(format!("credential query `{}` is not answered", missing.id)),
            None => Ok(()),
        },
        Some(sets) => {
            for (index, set) in sets.iter().enumerate() {
                let met = set
                    .options
                    .iter()
                    .any(|option| option.iter().all(|id| answered.contains(id.as_str())));
                if set.required && !met {
                    return Err(format!("required credential set {index} is not met"));
                }
            }
            Ok(())
        }
    }
}
