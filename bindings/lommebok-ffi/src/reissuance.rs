//! Re-issuance after a recovery, for credentials bound to a platform key lost with the old
//! phone: guardians confirm, the restored wallet asks, the issuer re-issues and revokes.

use std::sync::Arc;

use chrono::Utc;
use lommebok::reissuance::{self as core, ReissuanceError};

use crate::{HolderWallet, Issuer, LommebokError, Verifier};

impl From<ReissuanceError> for LommebokError {
    fn from(error: ReissuanceError) -> Self {
        match error {
            ReissuanceError::Lommebok(e) => e.into(),
            other => LommebokError::invalid(other.to_string()),
        }
    }
}

/// What `Issuer.reissue` did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reissued {
    /// The credential issued to the new holder, in the format of the old one (JSON for a Data
    /// Integrity credential, the compact SD-JWT for an SD-JWT VC): hand it to the wallet.
    pub credential: String,
    /// What was revoked: the old credential's id, or for an SD-JWT VC its Token Status List
    /// entry (`<list URL>#<index>`).
    pub revoked: String,
    /// The guardians whose confirmations were accepted.
    pub confirmed_by: Vec<String>,
}

#[uniffi::export]
impl HolderWallet {
    /// An `Issuer` that signs as this wallet's holder (its DID and key, platform or
    /// software): for what the citizen issues herself, such as a delegation to a helper
    /// (`Issuer.issue_delegation`); add a status registry with `with_status` to be able to
    /// revoke it.
    pub fn as_issuer(&self) -> Arc<Issuer> {
        Issuer::wrap(self.inner.issuer())
    }

    /// The holder DIDs this wallet had before (platform keys lost with a phone).
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn previous_holders(&self) -> Result<Vec<String>, LommebokError> {
        self.inner
            .previous_holders()
            .map_err(|e| LommebokError::Storage {
                reason: e.to_string(),
            })
    }

    /// As a guardian (this wallet's holder key signs): confirms that `holder` (the new
    /// phone's DID) is the citizen who was `previous_holder`. Only after checking with the
    /// citizen, in person or by phone.
    ///
    /// # Errors
    /// [`LommebokError::Signing`].
    pub fn confirm_recovery(
        &self,
        previous_holder: String,
        holder: String,
    ) -> Result<String, LommebokError> {
        Ok(core::confirm_with_wallet(
            &self.inner,
            &previous_holder,
            &holder,
            Utc::now(),
        )?)
    }

    /// A request to the issuer of the held credential `credential_id` (bound to a previous
    /// holder key) to re-issue it to this wallet's key, with the guardians' `confirmations`;
    /// signed by this wallet's holder key.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when there is no such credential or it is not about a
    /// previous holder; [`LommebokError::Signing`].
    pub fn reissuance_request(
        &self,
        credential_id: String,
        confirmations: Vec<String>,
    ) -> Result<String, LommebokError> {
        Ok(core::request(
            &self.inner,
            &credential_id,
            &confirmations,
            Utc::now(),
        )?)
    }
}

#[uniffi::export]
impl Issuer {
    /// Re-issues the credential in the re-issuance `request` to its new holder and revokes the
    /// old one in the same step, when the request is signed by the new holder's key, addressed
    /// to this issuer, the old credential is this issuer's, about the previous holder, valid
    /// and not revoked (as `verifier` sees it: give it this issuer's status lists), and at
    /// least `min_confirmations` distinct guardians confirm (only those in
    /// `accepted_guardians`, when given).
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] naming what is wrong (nothing is revoked then);
    /// [`LommebokError::Status`] when the old credential cannot be revoked;
    /// [`LommebokError::Signing`].
    #[uniffi::method(default(accepted_guardians = None))]
    pub fn reissue(
        &self,
        request: String,
        min_confirmations: u32,
        verifier: Arc<Verifier>,
        accepted_guardians: Option<Vec<String>>,
    ) -> Result<Reissued, LommebokError> {
        let mut policy = match accepted_guardians {
            Some(accepted) => core::ReissuePolicy::new(0, accepted),
            None => core::ReissuePolicy::default(),
        };
        policy.min_confirmations = usize::try_from(min_confirmations).unwrap_or(usize::MAX);
        let reissued = self.core().reissue(&request, &policy, verifier.core())?;
        Ok(Reissued {
            credential: reissued.credential.to_text(),
            revoked: reissued.revoked,
            confirmed_by: reissued.confirmed_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;

    use super::*;
    use crate::test_support::{raw_key as key, residence};
    use crate::{
        DeviceKey, DeviceRecovery, Guardian, GuardianWallet, ImportResult, KeyAlgorithm, Signer,
        SoftwareKey, StatusPurpose, StatusRegistry,
    };

    /// A platform key: P-256, SPKI public key, DER signatures.
    struct PlatformKey(p256::ecdsa::SigningKey);

    impl Signer for PlatformKey {
        fn algorithm(&self) -> KeyAlgorithm {
            KeyAlgorithm::P256
        }
        fn public_key(&self) -> Result<Vec<u8>, LommebokError> {
            Ok(self
                .0
                .verifying_key()
                .to_public_key_der()
                .map_err(|e| LommebokError::invalid(e.to_string()))?
                .into_vec())
        }
        fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, LommebokError> {
            let signature: p256::ecdsa::Signature = self.0.sign(&message);
            Ok(signature.to_der().as_bytes().to_vec())
        }
    }

    fn platform_key(byte: u8) -> Arc<dyn Signer> {
        Arc::new(PlatformKey(
            p256::ecdsa::SigningKey::from_bytes(&[byte; 32].into()).unwrap(),
        ))
    }

    #[test]
    fn a_lost_platform_key_credential_is_reissued_to_the_new_phone_and_the_old_one_revoked() {
        const LIST: &str = "https://kommune.example/status/revocation/1";
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let registry = StatusRegistry::in_memory();
        registry
            .create_list(LIST.into(), StatusPurpose::Revocation)
            .unwrap();
        let municipality = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519))
            .with_status(registry, vec![LIST.into()]);
        let verifier = Verifier::new();
        let publish = || {
            verifier.add_status_list(
                LIST.into(),
                municipality
                    .status_list_credential(LIST.into(), 3600)
                    .unwrap(),
            );
        };
        publish();

        let owner =
            HolderWallet::open(path("owner.db"), key(1), Some(platform_key(7)), vec![]).unwrap();
        let old_did = owner.did();
        let credential = residence(&municipality, &old_did);
        let ImportResult::Imported { credential: held } = owner
            .import_credential(credential.clone(), verifier.clone(), None)
            .unwrap()
        else {
            panic!("not imported")
        };

        // Three guardians: their guardian stores and their own wallets (for confirmations).
        let guardians: Vec<(Arc<GuardianWallet>, Arc<HolderWallet>)> = (0..3)
            .map(|i| {
                (
                    GuardianWallet::open(path(&format!("g{i}.db")), key(10 + i)).unwrap(),
                    HolderWallet::open(path(&format!("gw{i}.db")), key(20 + i), None, vec![])
                        .unwrap(),
                )
            })
            .collect();
        let list: Vec<Guardian> = guardians
            .iter()
            .enumerate()
            .map(|(i, (g, _))| Guardian {
                name: format!("guardian {i}"),
                key: g.public_key(),
            })
            .collect();
        let protection = owner.protect(2, list).unwrap();
        for ((g, _), share) in guardians.iter().zip(&protection.shares) {
            g.keep(share.sealed.clone()).unwrap();
        }
        drop(owner);

        // A new phone with a new platform key.
        let new_key = platform_key(8);
        let device = DeviceRecovery::new(
            protection.backup.clone(),
            DeviceKey::Platform {
                signer: new_key.clone(),
            },
        )
        .unwrap();
        for (g, _) in &guardians[..2] {
            let release = g.release(device.request(), device.short_code()).unwrap();
            device.add_release("guardian".into(), release).unwrap();
        }
        let restored = device
            .restore_with_platform_key(path("new.db"), key(2), new_key, vec![])
            .unwrap();
        let wallet = restored.wallet;
        assert_ne!(wallet.did(), old_did);
        assert_eq!(wallet.previous_holders().unwrap(), vec![old_did.clone()]);

        let confirmations: Vec<String> = guardians[..2]
            .iter()
            .map(|(_, gw)| gw.confirm_recovery(old_did.clone(), wallet.did()).unwrap())
            .collect();
        let request = wallet
            .reissuance_request(held.id.clone(), confirmations)
            .unwrap();
        let accepted: Vec<String> = guardians.iter().map(|(_, gw)| gw.did()).collect();
        // One confirmation is not enough for a policy of two.
        let too_few = wallet
            .reissuance_request(
                held.id.clone(),
                vec![
                    guardians[0]
                        .1
                        .confirm_recovery(old_did.clone(), wallet.did())
                        .unwrap(),
                ],
            )
            .unwrap();
        assert!(matches!(
            municipality.reissue(too_few, 2, verifier.clone(), Some(accepted.clone())),
            Err(LommebokError::InvalidInput { .. })
        ));
        let reissued = municipality
            .reissue(request, 2, verifier.clone(), Some(accepted))
            .unwrap();
        assert_eq!(reissued.confirmed_by.len(), 2);
        assert_eq!(
            crate::credential_id(credential.clone()).unwrap().unwrap(),
            reissued.revoked
        );
        publish();
        let old = verifier.verify_credential(credential).unwrap();
        assert!(!old.valid);
        assert!(old.checks.iter().any(|c| c.reason == "revoked"));
        let imported = wallet
            .import_credential(reissued.credential, verifier.clone(), None)
            .unwrap();
        assert!(
            matches!(imported, ImportResult::Imported { .. }),
            "{imported:?}"
        );
    }
    #[test]
    fn a_citizen_on_a_platform_key_delegates_from_her_wallet() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let kari =
            HolderWallet::open(path("kari.db"), key(1), Some(platform_key(9)), vec![]).unwrap();
        let ola = HolderWallet::open(path("ola.db"), key(2), None, vec![]).unwrap();
        let delegation = kari
            .as_issuer()
            .issue_delegation(
                kari.did(),
                ola.did(),
                crate::DelegationScope {
                    credential_types: vec!["ExampleResidenceCredential".into()],
                    verifiers: vec![],
                    purposes: vec![],
                },
                None,
            )
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&delegation).unwrap();
        assert_eq!(parsed["issuer"], serde_json::json!(kari.did()));
        assert!(
            Verifier::new()
                .verify_credential(delegation.clone())
                .unwrap()
                .valid
        );
        // Ola keeps it, and then Kari's residence credential under it.
        assert!(matches!(
            ola.import_credential(delegation, Verifier::new(), None)
                .unwrap(),
            ImportResult::Imported { .. }
        ));
        let municipality = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        assert!(matches!(
            ola.import_credential(residence(&municipality, &kari.did()), Verifier::new(), None)
                .unwrap(),
            ImportResult::Imported { .. }
        ));
    }
}
