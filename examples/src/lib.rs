//! Runnable lommebok programs live in this package's `examples`: `cargo run --example demo`
//! and `cargo run --example recovery`. This library holds what they share: their throwaway
//! files, their exit codes, Kari's residence credential and how they print a verification report.

use std::path::PathBuf;
use std::process::ExitCode;

use lommebok::{CheckKind, Credential, Did, Issuer, VerificationReport};
use serde_json::json;

/// Kari Nordmann's residence credential, issued by `municipality` to her DID `kari`: the
/// credential both demos start from (built with [`Issuer::credential`], then signed).
///
/// # Errors
/// As [`Issuer::issue`].
pub fn karis_residence(municipality: &Issuer, kari: &Did) -> Result<Credential, lommebok::Error> {
    let unsigned = municipality
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_type("ResidenceCredential")
        .with_subject_id(kari.as_str())
        .with_claim("name", json!("Kari Nordmann"))
        .with_claim("municipality", json!("Tromsø"))
        .build()?;
    municipality.issue(&unsigned)
}

/// A throwaway file of the demo `demo` (e.g. `wallet.sqlite`), in the system's temporary
/// folder, named after the demo, the process and `name`.
pub fn scratch_file(demo: &str, name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lommebok-{demo}-{}-{name}", std::process::id()))
}

/// Removes the throwaway files `names` of the demo `demo`, with SQLite's `-wal` and `-shm`
/// files beside them; what is not there is skipped.
pub fn remove_scratch_files(demo: &str, names: &[&str]) {
    for name in names {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = scratch_file(demo, name).into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A demo's exit code: 0 when every expected outcome happened, 1 when one did not, 3 when the
/// demo could not run (the error is printed).
pub fn exit_code(result: Result<bool, Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

/// The wire name of a check (`holder_binding`, `status`, …).
pub fn check_name(check: CheckKind) -> String {
    serde_json::to_value(check)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Whether `report` failed a credential as revoked (its status check).
pub fn failed_as_revoked(report: &VerificationReport) -> bool {
    report
        .failures()
        .any(|check| check.check == CheckKind::Status && check.reason == "revoked")
}

/// Prints every check of `report`, one a line: PASS or FAIL, what was checked, the check and
/// its reason.
pub fn print_report(report: &VerificationReport) {
    println!("\n--- verification report ---");
    for check in &report.checks {
        println!(
            "{} {:<14} {:<16} {}",
            if check.passed { "PASS" } else { "FAIL" },
            check.target,
            check_name(check.check),
            check.reason
        );
    }
}
