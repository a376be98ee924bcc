//! The persistent wallet (`HolderWallet`) on a SQLite file, across app restarts: the software
//! holder key, the credentials and the activity log survive; a wrong passphrase opens nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;
use std::sync::Arc;

use lommebok::query::DcqlQuery;
use lommebok::sd_jwt::{ClaimPath, SdJwtIssuerKey, SdJwtOptions};
use lommebok::wallet::store::{Argon2Params, PassphraseKey, StoreError};
use lommebok::wallet::{Choice, HolderWallet, HolderWalletError, Released};
use lommebok::{Algorithm, Issuer, SoftwareKey, Verifier};
use lommebok_sqlite::SqliteStorage;
use serde_json::json;

const FAST: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

const AUD: &str = "https://apotek.example";

fn open(path: &Path, passphrase: &str) -> Result<HolderWallet, HolderWalletError> {
    let key = PassphraseKey::new(passphrase).with_params(FAST).unwrap();
    HolderWallet::open(Arc::new(SqliteStorage::open(path)?), &key, None)
}

fn pid(issuer: &Issuer, wallet: &HolderWallet) -> String {
    let claims = json!({"given_name": "Kari", "family_name": "Nordmann", "age_over_18": true});
    let disclosable: Vec<ClaimPath> = ["given_name", "family_name", "age_over_18"]
        .iter()
        .map(|p| ClaimPath::parse(p).unwrap())
        .collect();
    issuer
        .issue_sd_jwt(
            claims.as_object().unwrap(),
            &disclosable,
            &SdJwtOptions::new("urn:eudi:pid:1").with_holder_key(wallet.public_key()),
        )
        .unwrap()
}

#[test]
fn wallet_app_survives_restarts_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallet.sqlite");
    let issuer = Issuer::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)));
    let did = issuer.did();
    let issuer_key =
        SdJwtIssuerKey::VerificationMethod(format!("{did}#{}", did.method_specific_id()));
    let verifier = Verifier::new();

    // First start: a new wallet, a software holder key, one PID.
    let (holder, pid_id) = {
        let wallet = open(&path, "hemmelig").unwrap();
        assert!(wallet.has_software_key());
        let pid = pid(&issuer, &wallet);
        let summary = wallet.import(&pid, &verifier, Some(&issuer_key)).unwrap();
        (wallet.did().clone(), summary.id)
    };

    // A wrong passphrase opens nothing.
    assert!(matches!(
        open(&path, "feil"),
        Err(HolderWalletError::Store(StoreError::WrongKey))
    ));

    // Second start: the same holder, the PID still held; present age_over_18.
    {
        let wallet = open(&path, "hemmelig").unwrap();
        assert_eq!(wallet.did(), &holder);
        let listing = wallet.list().unwrap();
        assert!(listing.damaged.is_empty());
        assert_eq!(listing.records.len(), 1);
        assert_eq!(listing.records[0].id, pid_id);

        let query = DcqlQuery::parse(
            &json!({"credentials": [{
                "id": "pid", "format": "dc+sd-jwt",
                "meta": {"vct_values": ["urn:eudi:pid:1"]},
                "claims": [{"path": ["age_over_18"]}]
            }]})
            .to_string(),
        )
        .unwrap();
        let chosen = Choice::defaults(&wallet.answers(&query).unwrap());
        let request = verifier.request(Some(AUD));
        let made = wallet
            .present(&query, &chosen, &request, "Apotek Nord")
            .unwrap();
        let verified = verifier
            .verify_sd_jwt(
                &made.presentations[0].presentation,
                &issuer_key,
                Some(&request),
            )
            .unwrap()
            .into_verified()
            .unwrap();
        assert_eq!(verified.claims()["age_over_18"], json!(true));
        assert!(!verified.claims().contains_key("given_name"));
        assert!(!verified.claims().contains_key("family_name"));
    }

    // Third start: the log is there.
    let wallet = open(&path, "hemmelig").unwrap();
    assert_eq!(wallet.did(), &holder);
    let log = wallet.activity().unwrap();
    assert!(log.damaged.is_empty());
    assert_eq!(log.records.len(), 1);
    assert_eq!(log.records[0].verifier, "Apotek Nord");
    assert_eq!(log.records[0].credential_id, pid_id);
    assert!(matches!(
        &log.records[0].released,
        Released::Disclosed { claims, .. } if claims == &vec!["age_over_18".to_owned()]
    ));
}
