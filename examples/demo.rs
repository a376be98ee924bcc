//! The end-to-end story on embedded defaults, no server:
//! a municipality issues a residence credential to a citizen's did:key, the citizen holds it and
//! presents it to a pharmacy's challenge, and the pharmacy verifies it offline, status included;
//! then the municipality revokes the credential, publishes its status list again, and the
//! pharmacy, with the new list, rejects the credential as revoked. Last, the citizen proves
//! "over 18" with an SD-JWT VC that reveals that claim and nothing else, first directly and then
//! from a wallet app that keeps its credentials in an encrypted store and logs what it shares.
//! A national trust anchor's signed list names the municipality and the pharmacy: the wallet
//! answers the pharmacy's signed request, refuses a look-alike pharmacy that is on no list, and
//! the pharmacy rejects a credential from an issuer that is on no list.
//!
//! Run with `cargo run --example demo`.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::Duration;
use lommebok::did::OfflineResolver;
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::trust::request::{RequestParameters, RequestPolicy, check_request, sign_request};
use lommebok::trust::{
    ListedIssuer, RegisteredVerifier, RequestScope, TrustListContents, TrustLists,
};
use lommebok::wallet::store::PassphraseKey;
use lommebok::wallet::{Choice, HolderWallet};
use lommebok::{
    Algorithm, CheckKind, ClaimPath, Issuer, ResponsePart, ResponseVerification, SdJwtIssuerKey,
    SdJwtOptions, Signer as _, SoftwareKey, Verifier, Wallet,
};
use lommebok_examples::{
    exit_code, failed_as_revoked, karis_residence, print_report, remove_scratch_files, scratch_file,
};
use lommebok_sqlite::{SqliteStatusStore, SqliteStorage};
use serde_json::json;

/// The name of this demo's throwaway files.
const DEMO: &str = "demo";

fn main() -> ExitCode {
    let result = run();
    // The demo's databases are throwaway.
    remove_scratch_files(DEMO, &["status.sqlite", "wallet.sqlite"]);
    exit_code(result)
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    // 1. Tromsø kommune has a signing key (here a software Ed25519 key; in production it may
    //    live in an HSM behind the `Signer` trait) and issues as its did:key.
    //    It keeps a revocation list in a SQLite file: every credential gets a random index in it,
    //    never handed out again.
    let revocations = "https://tromso.kommune.example/status/revocation/1";
    let database = scratch_file(DEMO, "status.sqlite");
    let registry = StatusRegistry::new(Arc::new(SqliteStatusStore::open(&database)?));
    registry.create_list(revocations, StatusPurpose::Revocation)?;
    println!("status lists  {}", database.display());
    let municipality = Issuer::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)))
        .with_status(registry, &[revocations]);
    println!("municipality  {}", municipality.did());

    // 2. Kari's wallet app has its own key and DID.
    let kari_key = Arc::new(SoftwareKey::generate(Algorithm::Ed25519));
    let mut wallet = Wallet::new(kari_key.clone());
    println!("citizen       {}", wallet.did());

    // 3. The municipality issues a residence credential about Kari (`karis_residence`, in
    //    `src/lib.rs`, builds it with `municipality.credential()` and signs it).
    let credential = karis_residence(&municipality, wallet.did())?;
    println!(
        "\n--- issued credential ---\n{}",
        credential.to_json_string()
    );

    // 4. The wallet stores it (it arrives as JSON, as it would over the wire).
    wallet.store(&credential.to_json_string())?;

    // 5. The municipality publishes its signed status list (a web server would serve it); the
    //    pharmacy's app keeps a copy, valid for a day, and checks status offline.
    let published = municipality.status_list_credential(revocations, Duration::days(1))?;
    let status_lists = Arc::new(StatusListCache::new());
    status_lists.insert(revocations, &published.to_json_string());
    let pharmacy = Verifier::new().with_status_source(status_lists.clone());

    //    The pharmacy asks for a presentation: a fresh challenge, bound to its domain.
    let request = pharmacy.request(Some("apotek1.example"));
    println!("\n--- request ---\n{}", json!(request));

    // 6. Kari sees who asks and agrees; the wallet signs a presentation.
    let presentation = wallet.present(wallet.credentials(), &request)?;

    // 7. The pharmacy verifies offline and prints every check.
    let outcome = pharmacy.verify_presentation(&presentation.to_json_string(), &request)?;
    print_report(&outcome.report);
    let Some(verified) = outcome.verified() else {
        println!("\nREJECTED");
        return Ok(false);
    };
    let subject = verified.credentials()[0].credential().subjects()[0].clone();
    println!(
        "\nACCEPTED: {} lives in {} (says {})",
        subject["name"].as_str().unwrap_or_default(),
        subject["municipality"].as_str().unwrap_or_default(),
        verified.credentials()[0].credential().issuer()
    );

    // 8. The same presentation again is a replay: the challenge was single-use.
    let replay = pharmacy.verify_presentation(&presentation.to_json_string(), &request)?;
    println!(
        "replayed presentation: {}",
        if replay.report.failed(CheckKind::Challenge) {
            "rejected (challenge already used)"
        } else {
            "ACCEPTED?!"
        }
    );
    if replay.is_valid() {
        return Ok(false);
    }

    // 9. Kari moves away: the municipality revokes the credential and publishes the list again.
    let id = credential.id().unwrap_or_default();
    municipality.revoke(id)?;
    let republished = municipality.status_list_credential(revocations, Duration::days(1))?;
    status_lists.insert(revocations, &republished.to_json_string());
    println!("\nmunicipality revoked {id} and published its status list again");

    // 10. The next time Kari presents the credential, the pharmacy sees the revocation.
    let request = pharmacy.request(Some("apotek1.example"));
    let presentation = wallet.present(wallet.credentials(), &request)?;
    let outcome = pharmacy.verify_presentation(&presentation.to_json_string(), &request)?;
    print_report(&outcome.report);
    let revoked = failed_as_revoked(&outcome.report);
    println!(
        "\n{}",
        if revoked {
            "REJECTED: the credential is revoked"
        } else {
            "ACCEPTED?!"
        }
    );
    if !revoked || outcome.is_valid() {
        return Ok(false);
    }

    // 11. Selective disclosure (SD-JWT VC): the municipality also issues Kari a personal
    //     credential as an SD-JWT VC bound to her wallet key. At the pharmacy she proves she is
    //     over 18, and nothing else: not her name, birth date or address.
    let pid_claims: serde_json::Map<String, serde_json::Value> = json!({
        "given_name": "Kari",
        "family_name": "Nordmann",
        "birthdate": "1990-02-03",
        "age_over_18": true,
        "address": {"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"}
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let disclosable: Vec<ClaimPath> = [
        "given_name",
        "family_name",
        "birthdate",
        "age_over_18",
        "address",
    ]
    .iter()
    .map(|p| ClaimPath::parse(p))
    .collect::<Result<_, _>>()?;
    let pid = municipality.issue_sd_jwt(
        &pid_claims,
        &disclosable,
        &SdJwtOptions::new("urn:eudi:pid:1")
            .with_holder_key(wallet.public_key())
            .valid_until(chrono::Utc::now() + Duration::days(365)),
    )?;
    let request = pharmacy.request(Some("https://apotek1.example"));
    let shown = wallet.present_sd_jwt(
        &pid,
        &[ClaimPath::parse("age_over_18")?],
        &request.challenge,
        request.domain.as_deref().unwrap_or_default(),
    )?;
    let issuer_key = SdJwtIssuerKey::VerificationMethod(format!(
        "{}#{}",
        municipality.did(),
        municipality.did().method_specific_id()
    ));
    let outcome = pharmacy.verify_sd_jwt(&shown, &issuer_key, Some(&request))?;
    print_report(&outcome.report);
    let Some(verified) = outcome.verified() else {
        println!("\nREJECTED");
        return Ok(false);
    };
    let revealed: Vec<&String> = verified
        .claims()
        .keys()
        .filter(|k| !["iss", "iat", "exp", "nbf", "vct", "cnf"].contains(&k.as_str()))
        .collect();
    println!("\nSD-JWT VC: the pharmacy learned only {revealed:?}");
    if revealed != ["age_over_18"] {
        return Ok(false);
    }

    // 12. Trust without a central login: the national trust anchor (an authority whose DID
    //     every wallet and verifier app ships with) signs a trust list naming the
    //     municipality as an issuer of residence and PID credentials, and the pharmacy as a
    //     registered verifier that may ask for `age_over_18`, and only that, with its answers
    //     going to one address.
    let anchor = Issuer::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)));
    let pharmacy_key = Arc::new(SoftwareKey::generate(Algorithm::P256));
    let pharmacy_did = lommebok::Did::from_public_key(&pharmacy_key.public_key());
    let response_uri = "https://apotek1.example/openid4vp/response";
    let mut listed = TrustListContents::new("urn:example:trust-list:no", 1);
    listed.add_issuer(ListedIssuer::new(
        municipality.did().as_str(),
        "Tromsø kommune",
        ["ResidenceCredential", "urn:eudi:pid:1"],
    ));
    listed.add_verifier(
        RegisteredVerifier::new(
            pharmacy_did.as_str(),
            "Apotek 1 Tromsø",
            "age check for age-restricted medicine",
        )
        .may_request(RequestScope::new("urn:eudi:pid:1", ["age_over_18"]))
        .response_uri(response_uri),
    );
    let now = chrono::Utc::now();
    let trust_list = anchor.issue(&listed.to_credential(
        anchor.did(),
        now,
        Some(now + Duration::days(30)),
    )?)?;
    let trust = Arc::new(TrustLists::new([anchor.did().as_str()]));
    trust.add(&trust_list.to_json_string(), &Verifier::new())?;
    println!(
        "\ntrust anchor  {} lists {} issuer(s) and {} verifier(s)",
        anchor.did(),
        listed.issuers.len(),
        listed.verifiers.len()
    );
    let pharmacy = Verifier::new()
        .with_status_source(status_lists.clone())
        .with_trust_lists(trust.clone());

    // 13. Kari's wallet app keeps what it holds in an encrypted store (sealed records in a
    //     SQLite file, unlocked with her passphrase through Argon2id). It imports the PID only
    //     after checking it verifies and is bound to her key.
    let store_file = scratch_file(DEMO, "wallet.sqlite");
    let kari_app = HolderWallet::open(
        Arc::new(SqliteStorage::open(&store_file)?),
        &PassphraseKey::new("correct horse battery staple"),
        Some(kari_key),
    )?;
    kari_app.import(&pid, &Verifier::new(), Some(&issuer_key))?;

    // 14. The pharmacy signs its request with its DID key; the wallet checks the signature and
    //     looks the pharmacy up on the trust list before Kari sees anything, answers with
    //     exactly the claim asked for, and logs where her data went.
    let query = json!({"credentials": [{"id": "adult", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:eudi:pid:1"]},
        "claims": [{"path": ["age_over_18"]}]}]});
    let query = query.as_object().cloned().unwrap_or_default();
    let pharmacy_method = lommebok::Did::key_verification_method(&pharmacy_key.public_key());
    let (signed, request) = pharmacy.signed_request(
        pharmacy_key.as_ref(),
        &pharmacy_method,
        &query,
        response_uri,
    )?;
    let checked = check_request(
        &signed,
        &trust,
        &OfflineResolver,
        &RequestPolicy::default(),
        chrono::Utc::now(),
    )?;
    println!(
        "\nwallet app: {} asks for age_over_18 ({}); the answer goes to {}",
        checked.verifier_name(),
        checked
            .registration
            .as_ref()
            .map(|r| r.purpose.as_str())
            .unwrap_or("no registered purpose"),
        checked.response_uri
    );
    let answers = kari_app.answers(&checked.query)?;
    let made = kari_app.present_to(&checked, &Choice::defaults(&answers))?;
    let Some(answer) = made.presentations.first() else {
        println!("\nthe wallet found nothing to answer with");
        return Ok(false);
    };
    let outcome = pharmacy.verify_response(
        &request,
        &[ResponsePart::SdJwt {
            presentation: &answer.presentation,
            issuer: &issuer_key,
        }],
    )?;
    let accepted = outcome.iter().all(ResponseVerification::is_valid);
    if let Some(first) = outcome.first() {
        print_report(first.report());
    }
    println!(
        "\nwallet app: answered the registered pharmacy ({}), and logged:\n{}",
        if accepted { "accepted" } else { "REJECTED" },
        kari_app.activity_json()?
    );
    if !accepted {
        return Ok(false);
    }

    // 15. A look-alike "Apotek 1" (a DID of its own, signed correctly, on no trust list) asks
    //     for the same: the wallet refuses before Kari is asked.
    let look_alike = SoftwareKey::generate(Algorithm::P256);
    let phishing = sign_request(
        &RequestParameters {
            dcql_query: query.clone(),
            nonce: "look-alike-nonce".into(),
            response_uri: "https://apotek1-tromso.example/collect".into(),
            state: None,
        },
        &look_alike,
        &lommebok::Did::key_verification_method(&look_alike.public_key()),
        chrono::Utc::now(),
        Duration::minutes(5),
    )?;
    let checked = check_request(
        &phishing,
        &trust,
        &OfflineResolver,
        &RequestPolicy::default(),
        chrono::Utc::now(),
    )?;
    let refusal = kari_app.present_to(&checked, &Choice::defaults(&answers));
    println!(
        "\nlook-alike pharmacy ({}): {}",
        checked.verifier_name(),
        match &refusal {
            Err(e) => format!("REFUSED by the wallet: {e}"),
            Ok(_) => "ANSWERED?!".to_owned(),
        }
    );
    if refusal.is_ok() {
        return Ok(false);
    }

    // 16. A credential from an issuer on no trust list ("Falsk kommune", a DID anyone can
    //     make) is rejected by the pharmacy, though its signature is fine.
    let forger = Issuer::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)));
    let fake = forger.issue(
        &forger
            .credential()
            .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
            .with_type("ResidenceCredential")
            .with_subject_id("did:example:kari")
            .with_claim("municipality", json!("Tromsø"))
            .build()?,
    )?;
    let outcome = pharmacy.verify_credential(&fake.to_json_string())?;
    let untrusted = outcome
        .report
        .failures()
        .find(|c| c.check == CheckKind::Trust)
        .map(|c| c.reason.clone());
    println!(
        "\ncredential from an unlisted issuer: {}",
        match &untrusted {
            Some(reason) => format!("REJECTED: {reason}"),
            None => "ACCEPTED?!".to_owned(),
        }
    );
    Ok(untrusted.is_some() && !outcome.is_valid())
}
