//! The whole story: issue, hold, present, verify.

use lommebok::data_integrity::Cryptosuite;
use lommebok::{Algorithm, CheckKind, Issuer, Wallet};

use crate::support::{self, key, now};

#[test]
fn issue_hold_present_verify_with_every_suite() {
    for suite in Cryptosuite::ALL.into_iter().filter(|s| !s.is_selective()) {
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

#[test]
fn numbers_survive_issue_store_and_verify_in_every_suite() {
    for suite in Cryptosuite::ALL.into_iter().filter(|s| !s.is_selective()) {
        let issuer = Issuer::new(key(suite.algorithm(), 1))
            .with_cryptosuite(suite)
            .unwrap();
        let wallet = Wallet::new(key(suite.algorithm(), 2));
        let unsigned = issuer
            .credential()
            .with_context(serde_json::json!(
                "https://www.w3.org/ns/credentials/examples/v2"
            ))
            .with_subject_id(wallet.did().as_str())
            .with_claim("monthlyBenefitNok", serde_json::json!(12_345.5))
            .with_claim("share", serde_json::json!(0.25))
            .with_claim("children", serde_json::json!(2))
            .build()
            .unwrap();
        let credential = issuer.issue_at(&unsigned, now()).unwrap();
        let text = credential.to_json_string();
        let outcome = support::verifier().verify_credential(&text).unwrap();
        assert!(outcome.is_valid(), "{suite}: {:#?}", outcome.report);
        let subject = outcome.verified().unwrap().credential().subjects()[0].clone();
        assert_eq!(
            subject["monthlyBenefitNok"].as_f64(),
            Some(12_345.5),
            "{suite}"
        );
        assert_eq!(subject["share"].as_f64(), Some(0.25), "{suite}");
        assert_eq!(subject["children"].as_u64(), Some(2), "{suite}");
    }
}
