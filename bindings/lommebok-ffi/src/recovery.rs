//! Recovery with trusted people ([`lommebok::wallet::recovery`]): the owner's
//! [`HolderWallet::protect`], the guardian's [`GuardianWallet`], and the new device's
//! [`DeviceRecovery`].

use std::sync::{Arc, Mutex, MutexGuard};

use lommebok::wallet::recovery::{self as core, RecoveryError};
use lommebok::wallet::store::WalletStore;
use lommebok_sqlite::SqliteStorage;

use crate::holder::{StoreKey, store_error};
use crate::key::{ForeignSigner, core_signer_of_key};
use crate::time::time_text;
use crate::{ContextDocument, HolderWallet, LommebokError, Signer, SoftwareKey};

impl From<RecoveryError> for LommebokError {
    fn from(error: RecoveryError) -> Self {
        match error {
            RecoveryError::Store(e) => store_error(e),
            RecoveryError::Wallet(e) => (*e).into(),
            RecoveryError::Signing(reason) => LommebokError::Signing { reason },
            RecoveryError::Crypto(reason) => LommebokError::Internal { reason },
            // A wrong code, a forged share (naming who gave it), a stale epoch, an expired
            // request, a state that does not fit: the reason says which.
            other => LommebokError::invalid(other.to_string()),
        }
    }
}

/// A person the owner trusts with a share.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Guardian {
    /// The name the owner gives them (shown on the owner's screens and in errors).
    pub name: String,
    /// Their guardian key (`lbg1.…`), as their [`GuardianWallet::public_key`] gives it.
    pub key: String,
}

/// One guardian's share, sealed to them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GuardianShare {
    /// The guardian's name.
    pub guardian: String,
    /// The share's index (1 to n).
    pub index: u8,
    /// The sealed share (`lbs1.…`, about 180 characters: one QR code), for the guardian's
    /// [`GuardianWallet::keep`].
    pub sealed: String,
}

/// A split of the wallet among guardians: the backup and each guardian's sealed share.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Protection {
    /// The split's epoch: shares of an earlier epoch are revoked.
    pub epoch: u32,
    /// How many shares recover the wallet.
    pub threshold: u8,
    /// The backup: opaque bytes anyone may keep (a cloud drive, a file).
    pub backup: Vec<u8>,
    /// One sealed share per guardian, in the order given.
    pub shares: Vec<GuardianShare>,
}

impl From<core::Protection> for Protection {
    fn from(protection: core::Protection) -> Self {
        Protection {
            epoch: protection.epoch,
            threshold: protection.threshold,
            backup: protection.backup,
            shares: protection
                .shares
                .into_iter()
                .map(|share| GuardianShare {
                    guardian: share.guardian,
                    index: share.index,
                    sealed: share.sealed,
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl HolderWallet {
    /// Splits a new secret among `guardians`, `threshold` of whom recover the wallet, and
    /// backs the wallet up under it: hand each guardian their share and keep the backup
    /// anywhere. Called again, a new split (the next epoch) revokes the old shares.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for a guardian key that is not one, or a threshold
    /// that does not fit (2 ≤ threshold ≤ guardians ≤ 255); [`LommebokError::Storage`] when a
    /// record does not open (a backup leaves nothing out).
    pub fn protect(
        &self,
        threshold: u8,
        guardians: Vec<Guardian>,
    ) -> Result<Protection, LommebokError> {
        let guardians = guardians
            .into_iter()
            .map(|guardian| {
                let key = core::GuardianPublicKey::parse(&guardian.key).map_err(|e| {
                    LommebokError::invalid(format!("guardian {}: {e}", guardian.name))
                })?;
                Ok(core::Guardian::new(guardian.name, key))
            })
            .collect::<Result<Vec<_>, LommebokError>>()?;
        Ok(core::protect(&self.inner, threshold, &guardians)?.into())
    }

    /// A new split among the same guardians (after a recovery, or when a share may have
    /// leaked): a new backup and new shares; the old ones are revoked once the guardians keep
    /// the new ones.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the wallet is not protected yet;
    /// [`LommebokError::Storage`].
    pub fn rotate(&self) -> Result<Protection, LommebokError> {
        Ok(core::rotate(&self.inner)?.into())
    }

    /// A fresh backup of the wallet as it is now, which the guardians' current shares open
    /// (nothing to hand out again): make one after importing credentials.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the wallet is not protected yet;
    /// [`LommebokError::Storage`].
    pub fn refresh_backup(&self) -> Result<Vec<u8>, LommebokError> {
        Ok(core::refresh_backup(&self.inner)?)
    }
}

/// A share a guardian keeps for someone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KeptShare {
    /// The wallet it recovers (the owner's holder DID).
    pub wallet: String,
    /// Its epoch.
    pub epoch: u32,
    /// Its index.
    pub index: u8,
}

impl From<core::KeptShare> for KeptShare {
    fn from(kept: core::KeptShare) -> Self {
        KeptShare {
            wallet: kept.wallet,
            epoch: kept.epoch,
            index: kept.index,
        }
    }
}

/// A recovery request a guardian has checked: whose wallet, which device, and the short code
/// to compare with the owner before [`GuardianWallet::release`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingRelease {
    /// The wallet to recover (holder DID).
    pub wallet: String,
    /// The epoch of the backup the device holds.
    pub epoch: u32,
    /// The new device's key (multibase), which signed the request.
    pub device_key: String,
    /// When the request expires (RFC 3339).
    pub expires_at: String,
    /// The 6-digit code: the owner reads it out from the new device; release only if the two
    /// match.
    pub short_code: String,
    /// The share that would be released.
    pub share: KeptShare,
}

/// The guardian's side, on the guardian's own wallet store file: a guardian key (made on
/// first use, kept sealed), the shares kept for others, and releasing one to a new device.
///
/// The store may be the guardian's own wallet's (the same file and key as their
/// [`HolderWallet`]) or a file of its own.
#[derive(uniffi::Object)]
pub struct GuardianWallet {
    store: WalletStore,
    public_key: String,
}

impl std::fmt::Debug for GuardianWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardianWallet")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl GuardianWallet {
    fn core(&self) -> Result<core::GuardianWallet<'_>, LommebokError> {
        Ok(core::GuardianWallet::open(&self.store)?)
    }
}

#[uniffi::export]
impl GuardianWallet {
    /// Opens the store in the file at `path` with `key` (created when the file does not
    /// exist), and its guardian key (made on first use).
    ///
    /// # Errors
    /// [`LommebokError::WrongKey`] when `key` does not open the store;
    /// [`LommebokError::Storage`]; [`LommebokError::InvalidInput`] for a key of the wrong
    /// length.
    #[uniffi::constructor]
    pub fn open(path: String, key: StoreKey) -> Result<Arc<Self>, LommebokError> {
        let key = key.into_core()?;
        let storage = SqliteStorage::open(&path).map_err(store_error)?;
        let store = WalletStore::open(Arc::new(storage), key.as_ref()).map_err(store_error)?;
        let public_key = core::GuardianWallet::open(&store)?.public_key().to_string();
        Ok(Arc::new(GuardianWallet { store, public_key }))
    }

    /// The guardian key (`lbg1.…`) to give to owners who name this guardian.
    pub fn public_key(&self) -> String {
        self.public_key.clone()
    }

    /// Keeps a sealed share (`lbs1.…`) an owner gave, in place of an earlier one for the same
    /// wallet.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when it is not a share, is sealed to someone else, or
    /// is older than the one kept; [`LommebokError::Storage`].
    pub fn keep(&self, sealed_share: String) -> Result<KeptShare, LommebokError> {
        Ok(self.core()?.keep(&sealed_share)?.into())
    }

    /// The shares kept, one per wallet.
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn kept_shares(&self) -> Result<Vec<KeptShare>, LommebokError> {
        Ok(self
            .core()?
            .kept_shares()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Checks a recovery request (its signature, its time, that a share of its epoch is kept
    /// for its wallet) and says what it asks. Nothing is released.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the request is malformed, forged, expired, or for
    /// a wallet or epoch no share is kept for; [`LommebokError::Storage`].
    pub fn check_request(&self, request: String) -> Result<PendingRelease, LommebokError> {
        let pending = self.core()?.check_request(&request)?;
        Ok(PendingRelease {
            wallet: pending.request.wallet.to_string(),
            epoch: pending.request.epoch,
            device_key: pending.request.device_key.to_multibase(),
            expires_at: time_text(Some(pending.request.expires_at)).unwrap_or_default(),
            short_code: pending.short_code().to_owned(),
            share: pending.share.into(),
        })
    }

    /// Checks `request` again and releases the share kept for its wallet, re-sealed to the
    /// device that signed it (`lbr1.…`), once the guardian has typed the `code` the owner
    /// reads out (spaces and dashes are ignored).
    ///
    /// # Errors
    /// As [`GuardianWallet::check_request`]; [`LommebokError::InvalidInput`] when the code
    /// does not match (the request may not be the owner's: release nothing).
    pub fn release(&self, request: String, code: String) -> Result<String, LommebokError> {
        let guardian = self.core()?;
        let pending = guardian.check_request(&request)?;
        Ok(guardian.release(&pending, &code)?)
    }
}

/// The wallet restored on a new device, and the new split to hand out.
#[derive(Debug, uniffi::Record)]
pub struct Restored {
    /// The wallet, in its new store file.
    pub wallet: Arc<HolderWallet>,
    /// The rotation made right after: give each guardian their new share and keep the new
    /// backup; the old shares are revoked once the guardians keep the new ones.
    pub protection: Protection,
}

/// The new device's side of a recovery: a signed request with a short code for the
/// guardians, the shares they release, and the restore once there are enough.
///
/// Guardians answer over hours or days: after each change, save [`DeviceRecovery::to_state`]
/// (secret) and, after a restart, [`DeviceRecovery::resume`].
#[derive(uniffi::Object)]
pub struct DeviceRecovery {
    /// `None` once restored.
    inner: Mutex<Option<core::DeviceRecovery>>,
}

impl std::fmt::Debug for DeviceRecovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceRecovery(…)")
    }
}

impl DeviceRecovery {
    fn wrap(inner: core::DeviceRecovery) -> Arc<Self> {
        Arc::new(DeviceRecovery {
            inner: Mutex::new(Some(inner)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<core::DeviceRecovery>> {
        // A panic while holding the lock leaves the recovery as it was before the call.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut core::DeviceRecovery) -> Result<T, LommebokError>,
    ) -> Result<T, LommebokError> {
        match self.lock().as_mut() {
            Some(recovery) => f(recovery),
            None => Err(finished()),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&core::DeviceRecovery) -> T, finished: T) -> T {
        self.lock().as_ref().map_or(finished, f)
    }
}

fn finished() -> LommebokError {
    LommebokError::invalid("this recovery is finished: the wallet was restored")
}

/// The new device's key, which signs the recovery requests.
#[derive(uniffi::Enum)]
pub enum DeviceKey {
    /// A software key (e.g. made for this recovery and kept with its saved state).
    Software {
        /// The key.
        key: Arc<SoftwareKey>,
    },
    /// A key held by the platform (see [`Signer`]).
    Platform {
        /// The signer.
        signer: Arc<dyn Signer>,
    },
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceKey::Software { .. } => "DeviceKey::Software(…)",
            DeviceKey::Platform { .. } => "DeviceKey::Platform(…)",
        })
    }
}

fn core_signer(device: DeviceKey) -> Result<Arc<dyn lommebok::Signer>, LommebokError> {
    match device {
        DeviceKey::Software { key } => Ok(core_signer_of_key(&key)),
        DeviceKey::Platform { signer } => Ok(ForeignSigner::new(signer)?.into_core()),
    }
}

#[uniffi::export]
impl DeviceRecovery {
    /// Starts recovering the wallet in `backup`: a request signed by `device` (the new
    /// device's key, software or the platform's) for the guardians, and its short code.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when `backup` is not one; [`LommebokError::Signing`].
    #[uniffi::constructor]
    pub fn new(backup: Vec<u8>, device: DeviceKey) -> Result<Arc<Self>, LommebokError> {
        let signer = core_signer(device)?;
        Ok(Self::wrap(core::DeviceRecovery::new(
            &backup,
            signer.as_ref(),
        )?))
    }

    /// Resumes a recovery saved with [`DeviceRecovery::to_state`], with the same backup (or
    /// the same split's refreshed one) and device key. The shares added are there; an
    /// expired request is replaced by a new one (a new short code), and releases answering
    /// the old one still count.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when `state` or `backup` is not one, or they do not
    /// fit each other or `device`; [`LommebokError::Signing`].
    #[uniffi::constructor]
    pub fn resume(
        state: Vec<u8>,
        backup: Vec<u8>,
        device: DeviceKey,
    ) -> Result<Arc<Self>, LommebokError> {
        let state = zeroize::Zeroizing::new(state);
        let signer = core_signer(device)?;
        Ok(Self::wrap(core::DeviceRecovery::resume(
            &state,
            &backup,
            signer.as_ref(),
        )?))
    }

    /// The recovery request (a compact JWS) to give each guardian (a QR code, a message).
    /// Empty once restored.
    pub fn request(&self) -> String {
        self.read(|r| r.request().to_owned(), String::new())
    }

    /// The short code to show, for each guardian to compare. Empty once restored.
    pub fn short_code(&self) -> String {
        self.read(|r| r.short_code().to_owned(), String::new())
    }

    /// When the request expires (RFC 3339): after that, [`DeviceRecovery::renew_request`].
    /// Empty once restored.
    pub fn request_expires_at(&self) -> String {
        self.read(
            |r| time_text(Some(r.request_expires_at())).unwrap_or_default(),
            String::new(),
        )
    }

    /// The wallet being recovered (holder DID). Empty once restored.
    pub fn wallet(&self) -> String {
        self.read(|r| r.backup().wallet().to_string(), String::new())
    }

    /// How many shares recover the wallet.
    pub fn threshold(&self) -> u8 {
        self.read(|r| r.backup().threshold(), 0)
    }

    /// How many shares have been added.
    pub fn shares(&self) -> u32 {
        self.read(|r| u32::try_from(r.shares()).unwrap_or(u32::MAX), 0)
    }

    /// Signs a new request (a new short code) through `device`, the key the recovery started
    /// with; releases answering the old one still count.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for another key, or once restored;
    /// [`LommebokError::Signing`].
    pub fn renew_request(&self, device: DeviceKey) -> Result<(), LommebokError> {
        let signer = core_signer(device)?;
        self.with(|r| Ok(r.renew_request(signer.as_ref())?))
    }

    /// Adds a share a guardian released (`lbr1.…`); `from` names the guardian (in errors).
    /// Returns the share's index. A share refused is not kept.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`]: not a release, for another wallet, epoch, device or
    /// request, forged (the reason names `from`), or added already.
    pub fn add_release(&self, from: String, release: String) -> Result<u8, LommebokError> {
        self.with(|r| Ok(r.add_release(&from, &release)?))
    }

    /// The recovery so far, to save and [`DeviceRecovery::resume`] after a restart.
    ///
    /// **It is secret** (the key the releases are sealed to, and the shares added): keep it
    /// where the app keeps keys (the platform keystore, or a store sealed under a key kept
    /// there), and delete it once the wallet is restored.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] once restored.
    pub fn to_state(&self) -> Result<Vec<u8>, LommebokError> {
        self.with(|r| Ok(r.to_state()?.to_vec()))
    }

    /// Restores the whole wallet into a new store file at `path` (which must not exist or be
    /// empty) under `key`, and rotates: the result holds the wallet and the new split to hand
    /// out. The recovery is then finished.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] with too few shares, a store that is not empty, or
    /// once restored; [`LommebokError::WrongKey`]; [`LommebokError::Storage`] (these leave
    /// the recovery as it was). [`LommebokError::InvalidInput`] when the backup does not open
    /// with the shares, or a storage failure while writing, finish it: resume from the saved
    /// state to try again.
    #[uniffi::method(default(contexts = []))]
    pub fn restore(
        &self,
        path: String,
        key: StoreKey,
        contexts: Vec<ContextDocument>,
    ) -> Result<Restored, LommebokError> {
        self.restore_to(path, key, contexts, None)
    }

    /// As [`DeviceRecovery::restore`], for a wallet whose holder key was a platform key (not in
    /// the backup): the restored wallet moves to the new device's platform key `signer`, and
    /// remembers the old holder DID; credentials bound to it are re-issued through
    /// `HolderWallet.reissuance_request` and the issuer's `Issuer.reissue`.
    ///
    /// # Errors
    /// As [`DeviceRecovery::restore`]; [`LommebokError::Signing`] when the signer cannot give
    /// its public key.
    #[uniffi::method(default(contexts = []))]
    pub fn restore_with_platform_key(
        &self,
        path: String,
        key: StoreKey,
        signer: Arc<dyn Signer>,
        contexts: Vec<ContextDocument>,
    ) -> Result<Restored, LommebokError> {
        let signer = ForeignSigner::new(signer)?.into_core();
        self.restore_to(path, key, contexts, Some(signer))
    }
}

impl DeviceRecovery {
    fn restore_to(
        &self,
        path: String,
        key: StoreKey,
        contexts: Vec<ContextDocument>,
        platform_key: Option<Arc<dyn lommebok::Signer>>,
    ) -> Result<Restored, LommebokError> {
        let key = key.into_core()?;
        let registry = crate::context_registry(&contexts)?;
        let mut guard = self.lock();
        let recovery = guard.as_ref().ok_or_else(finished)?;
        let need = recovery.backup().threshold();
        if recovery.shares() < usize::from(need) {
            return Err(RecoveryError::NotEnoughShares {
                have: recovery.shares(),
                need,
            }
            .into());
        }
        if platform_key.is_none() && recovery.holder_key_is_platform()? {
            return Err(LommebokError::invalid(
                "this wallet's holder key was a platform key, lost with the old phone: restore \
                 it with restore_with_platform_key and the new phone's key",
            ));
        }
        // What the app can fix (the path, the key) is checked before the recovery is spent.
        let storage: Arc<dyn lommebok::wallet::store::Storage> =
            Arc::new(SqliteStorage::open(&path).map_err(store_error)?);
        let store = WalletStore::open(storage.clone(), key.as_ref()).map_err(store_error)?;
        if !store.is_empty().map_err(store_error)? {
            return Err(RecoveryError::NotEmpty.into());
        }
        drop(store);
        let recovery = guard.take().ok_or_else(finished)?;
        let restored = match platform_key {
            None => recovery.restore(storage, key.as_ref())?,
            Some(signer) => recovery.restore_with_platform_key(storage, key.as_ref(), signer)?,
        };
        Ok(Restored {
            wallet: Arc::new(HolderWallet {
                inner: restored.wallet.with_contexts(registry),
            }),
            protection: restored.protection.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_invalid as invalid, raw_key as key, residence};
    use crate::{ImportResult, Issuer, KeyAlgorithm, Verifier};

    fn software(key: &Arc<SoftwareKey>) -> DeviceKey {
        DeviceKey::Software { key: key.clone() }
    }

    #[test]
    fn an_app_protects_saves_resumes_and_restores_through_two_of_three_guardians() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let owner = HolderWallet::open(path("owner.db"), key(1), None, vec![]).unwrap();
        let issuer = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let imported = owner
            .import_credential(residence(&issuer, &owner.did()), Verifier::new(), None)
            .unwrap();
        assert!(matches!(imported, ImportResult::Imported { .. }));
        invalid(owner.refresh_backup(), "not protected");

        let guardians: Vec<Arc<GuardianWallet>> = (0..3)
            .map(|i| GuardianWallet::open(path(&format!("g{i}.db")), key(10 + i)).unwrap())
            .collect();
        let names = ["Kari", "Ola", "Nils"];
        let list: Vec<Guardian> = names
            .iter()
            .zip(&guardians)
            .map(|(name, g)| Guardian {
                name: (*name).into(),
                key: g.public_key(),
            })
            .collect();
        invalid(owner.protect(4, list.clone()), "threshold");
        let mut bad = list.clone();
        bad[1].key = "lbg1.nope".into();
        invalid(owner.protect(2, bad), "guardian Ola");
        let protection = owner.protect(2, list).unwrap();
        assert_eq!((protection.epoch, protection.threshold), (1, 2));
        for (g, share) in guardians.iter().zip(&protection.shares) {
            assert_eq!(g.keep(share.sealed.clone()).unwrap().epoch, 1);
        }
        assert_eq!(guardians[0].kept_shares().unwrap().len(), 1);
        // Reopened with its key, a guardian keeps what it kept and its key.
        let reopened = GuardianWallet::open(path("g0.db"), key(10)).unwrap();
        assert_eq!(reopened.public_key(), guardians[0].public_key());
        assert!(matches!(
            GuardianWallet::open(path("g0.db"), key(99)),
            Err(LommebokError::WrongKey { .. })
        ));
        let backup = owner.refresh_backup().unwrap();

        // The new device: Kari releases, then the app is stopped.
        let device_key = SoftwareKey::generate(KeyAlgorithm::P256);
        let device = DeviceRecovery::new(backup.clone(), software(&device_key)).unwrap();
        assert_eq!(device.wallet(), owner.did());
        assert_eq!(device.threshold(), 2);
        let pending = guardians[0].check_request(device.request()).unwrap();
        assert_eq!(pending.short_code, device.short_code());
        assert_eq!(pending.wallet, owner.did());
        assert_eq!(pending.share.index, 1);
        invalid(
            guardians[0].release(device.request(), "000000x".into()),
            "short code",
        );
        let release = guardians[0]
            .release(device.request(), device.short_code())
            .unwrap();
        assert_eq!(
            device.add_release("Kari".into(), release.clone()).unwrap(),
            1
        );
        invalid(device.add_release("Kari".into(), release), "already added");
        invalid(
            device.restore(path("new.db"), key(2), vec![]),
            "1 of the 2 shares",
        );
        let state = device.to_state().unwrap();
        let request = device.request();
        drop(device);

        // Resumed: the same request, Kari's share still there; Nils releases.
        invalid(
            DeviceRecovery::resume(b"garbage".to_vec(), backup.clone(), software(&device_key)),
            "recovery state",
        );
        invalid(
            DeviceRecovery::resume(
                state.clone(),
                backup.clone(),
                software(&SoftwareKey::generate(KeyAlgorithm::P256)),
            ),
            "another device key",
        );
        let device = DeviceRecovery::resume(state, backup, software(&device_key)).unwrap();
        assert_eq!((device.request(), device.shares()), (request, 1));
        let release = guardians[2]
            .release(device.request(), device.short_code())
            .unwrap();
        assert_eq!(device.add_release("Nils".into(), release).unwrap(), 3);

        // Restored under a new key: the same wallet, and a new split.
        let restored = device.restore(path("new.db"), key(2), vec![]).unwrap();
        assert_eq!(restored.wallet.did(), owner.did());
        assert_eq!(restored.wallet.list().unwrap(), owner.list().unwrap());
        assert_eq!(restored.protection.epoch, 2);
        assert_eq!(restored.protection.shares.len(), 3);
        invalid(device.to_state(), "finished");
        assert_eq!(device.request(), "");

        // Once Ola keeps the new share, the old one is refused.
        guardians[1]
            .keep(restored.protection.shares[1].sealed.clone())
            .unwrap();
        invalid(
            guardians[1].keep(protection.shares[1].sealed.clone()),
            "revoked by a rotation",
        );
        // A rotation on the restored wallet: epoch 3.
        assert_eq!(restored.wallet.rotate().unwrap().epoch, 3);
    }

    #[test]
    fn a_restore_into_a_store_in_use_leaves_the_recovery_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let owner = HolderWallet::open(path("owner.db"), key(1), None, vec![]).unwrap();
        let guardians: Vec<Arc<GuardianWallet>> = (0..2)
            .map(|i| GuardianWallet::open(path(&format!("g{i}.db")), key(10 + i)).unwrap())
            .collect();
        let list = guardians
            .iter()
            .enumerate()
            .map(|(i, g)| Guardian {
                name: format!("g{i}"),
                key: g.public_key(),
            })
            .collect();
        let protection = owner.protect(2, list).unwrap();
        for (g, share) in guardians.iter().zip(&protection.shares) {
            g.keep(share.sealed.clone()).unwrap();
        }
        let device_key = SoftwareKey::generate(KeyAlgorithm::Ed25519);
        let device = DeviceRecovery::new(protection.backup, software(&device_key)).unwrap();
        for (i, g) in guardians.iter().enumerate() {
            let release = g.release(device.request(), device.short_code()).unwrap();
            device.add_release(format!("g{i}"), release).unwrap();
        }
        invalid(
            device.restore(path("owner.db"), key(1), vec![]),
            "not empty",
        );
        assert!(matches!(
            device.restore(path("owner.db"), key(7), vec![]),
            Err(LommebokError::WrongKey { .. })
        ));
        assert_eq!(device.shares(), 2);
        assert!(device.restore(path("new.db"), key(2), vec![]).is_ok());
    }
}
