//! The end-to-end story on embedded defaults, no server:
//! a municipality issues a residence credential to a citizen's did:key, the citizen holds it and
//! presents it to a pharmacy's challenge, and the pharmacy verifies it offline.
//!
//! Run with `cargo run --example demo`.

use std::process::ExitCode;
use std::sync::Arc;

use lommebok::{Algorithm, CheckKind, Issuer, SoftwareKey, Verifier, Wallet};
use serde_json::json;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

fn run() -> Result<bool, lommebok::Error> {
    // 1. Tromsø kommune has a signing key (here a software Ed25519 key; in production it may
    //    live in an HSM behind the `Signer` trait) and issues as its did:key.
    let municipality = Issuer::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)));
    println!("municipality  {}", municipality.did());

    // 2. Kari's wallet app has its own key and DID.
    let mut wallet = Wallet::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)));
    println!("citizen       {}", wallet.did());

    // 3. The municipality issues a residence credential about Kari.
    let unsigned = municipality
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_type("ResidenceCredential")
        .with_subject_id(wallet.did().as_str())
        .with_claim("name", json!("Kari Nordmann"))
        .with_claim("municipality", json!("Tromsø"))
        .build()?;
    let credential = municipality.issue(&unsigned)?;
    println!(
        "\n--- issued credential ---\n{}",
        credential.to_json_string()
    );

    // 4. The wallet stores it (it arrives as JSON, as it would over the wire).
    wallet.store(&credential.to_json_string())?;

    // 5. The pharmacy asks for a presentation: a fresh challenge, bound to its domain.
    let pharmacy = Verifier::new();
    let request = pharmacy.request(Some("apotek1.example"));
    println!("\n--- request ---\n{}", json!(request));

    // 6. Kari sees who asks and agrees; the wallet signs a presentation.
    let presentation = wallet.present(wallet.credentials(), &request)?;

    // 7. The pharmacy verifies offline and prints every check.
    let outcome = pharmacy.verify_presentation(&presentation.to_json_string(), &request)?;
    println!("\n--- verification report ---");
    for check in &outcome.report.checks {
        println!(
            "{} {:<14} {:<16} {}",
            if check.passed { "PASS" } else { "FAIL" },
            check.target,
            serde_json::to_value(check.check)
                .unwrap_or_default()
                .as_str()
                .unwrap_or_default(),
            check.reason
        );
    }
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
    Ok(!replay.is_valid())
}
