//! The whole story: issue, hold, present, verify.

use lommebok::data_integrity::Cryptosuite;
use lommebok::{Algorithm, CheckKind, Issuer, Wallet};

use crate::support::{self, key, now};

#[test]
fn issue_hold_present_verify_with_every_suite() {
    for suite in Cryptosuite::ALL {
        let issuer = Issuer::new(key(suite.algorithm(), 1))
            .with_cryptosuite(suite)
            .unwrap();
        let mut wallet = Wallet::new(key(suite.algorithm(), 2))
            .with_cryptosuite(suite)
            .unwrap();
        let credential = support::residence(&issuer, wallet.did().as_str());
        wallet.store(&credential.to_json_string()).unwrap();
        let verifier = support::verifier();

        let alone = verifier
            .verify_credential(&credential.to_json_string())
            .unwrap();
        assert!(alone.is_valid(), "{suite}: {:#?}", alone.report);

        let request = verifier.request(Some("apotek.example"));
        let vp = wallet
            .present_at(wallet.credentials(), &request, now())
            .unwrap();
        let outcome = verifier
            .verify_presentation(&vp.to_json_string(), &request)
            .unwrap();
        assert!(outcome.is_valid(), "{suite}: {:#?}", outcome.report);
        let verified = outcome.verified().unwrap();
        assert_eq!(verified.holder(), wallet.did().as_str());
        assert_eq!(verified.credentials()[0].credential(), &credential);
        for kind in [
            CheckKind::Proof,
            CheckKind::IssuerKey,
            CheckKind::HolderKey,
            CheckKind::Challenge,
            CheckKind::Domain,
            CheckKind::HolderBinding,
            CheckKind::ValidityPeriod,
        ] {
            assert!(
                outcome
                    .report
                    .checks
                    .iter()
                    .any(|c| c.check == kind && c.passed),
                "{suite}: no passing {kind:?}"
            );
        }
    }
}

#[test]
fn p256_holder_can_present_ed25519_credential() {
    let issuer = support::issuer();
    let wallet = Wallet::new(key(Algorithm::P256, 3));
    let credential = support::residence(&issuer, wallet.did().as_str());
    let verifier = support::verifier();
    let request = verifier.request(None);
    let vp = wallet.present_at(&[credential], &request, now()).unwrap();
    let outcome = verifier
        .verify_presentation(&vp.to_json_string(), &request)
        .unwrap();
    assert!(outcome.is_valid(), "{:#?}", outcome.report);
}
