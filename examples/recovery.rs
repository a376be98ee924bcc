//! The second end-to-end story: recovery with trusted people, then acting for someone else.
//!
//! Tromsø kommune issues Kari, an elderly citizen, a residence credential, which her wallet app
//! keeps in an encrypted store. Kari chooses three guardians (her son Ola, her daughter Ingrid,
//! her neighbour Per); her wallet protects itself 2-of-3: each guardian's app keeps a sealed
//! share, and the encrypted backup is kept at the municipality's service desk. Kari loses her
//! phone; on a new one, Ola and Ingrid compare a short code with her by phone and release their
//! shares, and the whole wallet comes back under a new passphrase. The split rotates, so Per's
//! old share is refused from then on. The pharmacy accepts Kari's credential from the restored
//! wallet. Then Kari delegates to Ola the presenting of her residence credential at the
//! pharmacy: the pharmacy's report says Ola presented it on behalf of Kari. Last, Kari revokes
//! the delegation and the pharmacy refuses Ola's next attempt.
//!
//! Run with `cargo run --example recovery`.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{Duration, Utc};
use lommebok::delegation::{Delegation, DelegationScope};
use lommebok::query::DcqlQuery;
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::wallet::recovery::{self, DeviceRecovery, Guardian, GuardianWallet, RecoveryError};
use lommebok::wallet::store::PassphraseKey;
use lommebok::wallet::{Choice, HolderWallet};
use lommebok::{
    Algorithm, CheckKind, Did, Issuer, Signer as _, SoftwareKey, Verification,
    VerifiedPresentation, Verifier,
};
use lommebok_examples::{
    check_name, exit_code, failed_as_revoked, karis_residence, print_report, remove_scratch_files,
    scratch_file,
};
use lommebok_sqlite::{SqliteStatusStore, SqliteStorage};
use serde_json::json;

/// The name of this demo's throwaway files.
const DEMO: &str = "recovery";
/// Its throwaway files: SQLite databases, and the backup.
const FILES: [&str; 8] = [
    "municipality-status.sqlite",
    "kari-status.sqlite",
    "kari-old-phone.sqlite",
    "kari-new-phone.sqlite",
    "ola.sqlite",
    "ingrid.sqlite",
    "per.sqlite",
    "backup.bin",
];

fn main() -> ExitCode {
    let result = run();
    // The demo's files are throwaway.
    remove_scratch_files(DEMO, &FILES);
    exit_code(result)
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    // 1. Tromsø kommune issues with a revocation list (as in `examples/demo.rs`) and publishes
    //    the list; wallets and the pharmacy keep a copy and check status offline.
    let revocations = "https://tromso.kommune.example/status/revocation/1";
    let database = scratch_file(DEMO, "municipality-status.sqlite");
    let registry = StatusRegistry::new(Arc::new(SqliteStatusStore::open(database)?));
    registry.create_list(revocations, StatusPurpose::Revocation)?;
    let municipality = Issuer::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)))
        .with_status(registry, &[revocations]);
    let status_lists = Arc::new(StatusListCache::new());
    let published = municipality.status_list_credential(revocations, Duration::days(1))?;
    status_lists.insert(revocations, &published.to_json_string());
    let checking = || Verifier::new().with_status_source(status_lists.clone());
    println!("municipality   {}", municipality.did());

    //    Kari's wallet app keeps what she holds in an encrypted SQLite store, unlocked with her
    //    passphrase; its holder key is a software key made on first open, sealed in the store.
    let old_phone = HolderWallet::open(
        Arc::new(SqliteStorage::open(scratch_file(
            DEMO,
            "kari-old-phone.sqlite",
        ))?),
        &PassphraseKey::new("blåbærsyltetøy på vaffel"),
        None,
    )?;
    println!("Kari           {}", old_phone.did());
    let residence = karis_residence(&municipality, old_phone.did())?;
    let held = old_phone.import(&residence.to_json_string(), &checking(), None)?;
    println!(
        "Kari's wallet  holds {:?} from the municipality",
        held.types
    );

    // 2. Kari chooses three guardians. Each has a wallet app with a store of its own; the app
    //    makes a guardian key (kept sealed in that store) and shows its public half (a QR code).
    let mut people = Vec::new();
    for (name, passphrase) in [
        ("Ola", "Ola sitt passord"),
        ("Ingrid", "Ingrid sitt passord"),
        ("Per", "Per sitt passord"),
    ] {
        let wallet = HolderWallet::open(
            Arc::new(SqliteStorage::open(scratch_file(
                DEMO,
                &format!("{}.sqlite", name.to_lowercase()),
            ))?),
            &PassphraseKey::new(passphrase),
            None,
        )?;
        people.push((name, wallet));
    }
    let guardians = people
        .iter()
        .map(|(name, wallet)| Ok((*name, GuardianWallet::open(wallet.store())?)))
        .collect::<Result<Vec<_>, RecoveryError>>()?;
    let [(_, ola), (_, ingrid), (_, per)] = guardians.as_slice() else {
        return Ok(false);
    };
    let chosen: Vec<Guardian> = guardians
        .iter()
        .map(|(name, guardian)| Guardian::new(*name, guardian.public_key().clone()))
        .collect();
    for guardian in &chosen {
        println!("guardian       {:<7}{}", guardian.name, guardian.key);
    }

    //    Kari's wallet protects itself: any 2 of the 3 recover it. Each guardian's app keeps its
    //    sealed share; the backup (opaque without 2 shares) is kept at the municipality's
    //    service desk (here a file).
    let protection = recovery::protect(&old_phone, 2, &chosen)?;
    for ((name, guardian), share) in guardians.iter().zip(&protection.shares) {
        let kept = guardian.keep(&share.sealed)?;
        println!(
            "{name:<7} keeps share {} of epoch {} ({} characters: one QR code)",
            kept.index,
            kept.epoch,
            share.sealed.len()
        );
    }
    let backup_file = scratch_file(DEMO, "backup.bin");
    std::fs::write(&backup_file, &protection.backup)?;
    println!(
        "backup         {} bytes at the service desk, epoch {}, {} of {} shares needed",
        protection.backup.len(),
        protection.epoch,
        protection.threshold,
        protection.shares.len()
    );
    let per_old_share = protection.shares[2].sealed.clone();
    let kari_did = old_phone.did().clone();

    // 3. Kari loses her phone (the store goes with it).
    drop(old_phone);
    std::fs::remove_file(scratch_file(DEMO, "kari-old-phone.sqlite"))?;
    println!("\nKari loses her phone");

    //    On a new phone, the app fetches the backup and starts a recovery with the new device's
    //    key: a signed request, and a short code on the screen.
    let backup = std::fs::read(&backup_file)?;
    let device_key = SoftwareKey::generate(Algorithm::P256);
    let mut device = DeviceRecovery::new(&backup, &device_key)?;
    println!(
        "new phone      recovering {} (epoch {}); short code {}",
        device.backup().wallet(),
        device.backup().epoch(),
        device.short_code()
    );

    //    Ola and Ingrid each get the request, check it, and see a code; Kari reads hers out by
    //    phone, they compare and type it, and their apps release the share to the new phone.
    for (name, guardian) in [("Ola", ola), ("Ingrid", ingrid)] {
        let pending = guardian.check_request(device.request())?;
        let same = pending.short_code() == device.short_code();
        println!(
            "{name:<7} sees a request for {}, code {} ({})",
            pending.request.wallet,
            pending.short_code(),
            if same {
                "the same as Kari reads out"
            } else {
                "NOT the code Kari reads out"
            }
        );
        if !same {
            return Ok(false);
        }
        let release = guardian.release(&pending, device.short_code())?;
        let index = device.add_release(name, &release)?;
        println!("{name:<7} releases share {index} to the new phone");
    }

    //    Two shares open the backup: the whole wallet comes back into a new store, under a new
    //    passphrase, and the split rotates to the next epoch right away.
    let restored = device.restore(
        Arc::new(SqliteStorage::open(scratch_file(
            DEMO,
            "kari-new-phone.sqlite",
        ))?),
        &PassphraseKey::new("ny telefon, nytt passord"),
    )?;
    let kari = restored.wallet;
    let rotation = restored.protection;
    let holds = kari.list()?.records;
    println!(
        "new phone      restored {}: {} credential(s); the split is now epoch {}",
        kari.did(),
        holds.len(),
        rotation.epoch
    );
    if kari.did() != &kari_did || holds.is_empty() {
        return Ok(false);
    }

    //    The guardians' apps keep the new shares, and the new backup replaces the old one at
    //    the service desk. Per's old share is refused from now on: offered again, his app says
    //    it was revoked; and the old backup (someone kept a copy) gets nothing out of him.
    for ((name, guardian), share) in guardians.iter().zip(&rotation.shares) {
        let kept = guardian.keep(&share.sealed)?;
        println!(
            "{name:<7} keeps share {} of epoch {}",
            kept.index, kept.epoch
        );
    }
    std::fs::write(&backup_file, &rotation.backup)?;
    let stale = per.keep(&per_old_share);
    println!(
        "Per's old share offered again: {}",
        match &stale {
            Err(e) => format!("refused: {e}"),
            Ok(_) => "KEPT?!".to_owned(),
        }
    );
    let old_copy = DeviceRecovery::new(&backup, &SoftwareKey::generate(Algorithm::P256))?;
    let outdated = per.check_request(old_copy.request());
    println!(
        "a request from the old backup, to Per: {}",
        match &outdated {
            Err(e) => format!("refused: {e}"),
            Ok(_) => "ACCEPTED?!".to_owned(),
        }
    );
    if !matches!(
        stale,
        Err(RecoveryError::StaleEpoch {
            share: 1,
            current: 2
        })
    ) || !matches!(
        outdated,
        Err(RecoveryError::OutdatedBackup {
            backup: 1,
            share: 2
        })
    ) {
        return Ok(false);
    }

    // 4. At the pharmacy (a DID of its own), Kari presents her residence credential from the
    //    restored wallet, and the pharmacy verifies it offline, status included.
    let pharmacy_did = Did::from_public_key(&SoftwareKey::generate(Algorithm::P256).public_key());
    let pharmacy_domain = format!("decentralized_identifier:{pharmacy_did}");
    let pharmacy = checking();
    let query = DcqlQuery::parse(
        &json!({"credentials": [{"id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ResidenceCredential"]]}}]})
        .to_string(),
    )?;
    println!("\npharmacy       {pharmacy_did}");
    let outcome = present_at_pharmacy(&kari, &pharmacy, &query, &pharmacy_domain)?;
    print_report(&outcome.report);
    if !outcome.is_valid() {
        println!("\nREJECTED");
        return Ok(false);
    }
    println!("\nACCEPTED: Kari's residence credential, from her restored wallet");

    // 5. Kari delegates to Ola the presenting of her residence credential at this pharmacy,
    //    for 90 days. She signs as her wallet's DID with her wallet's holder key (a software
    //    key, restored with the wallet), and keeps a revocation list of her own for her
    //    delegations.
    let kari_key = kari
        .store()
        .holder_keys()?
        .records
        .into_iter()
        .map(|(_, key)| key)
        .find(|key| &Did::from_public_key(&key.public_key()) == kari.did())
        .ok_or("the restored wallet has no software holder key")?;
    let delegations = "https://kari.example/status/delegations";
    let kari_registry = StatusRegistry::new(Arc::new(SqliteStatusStore::open(scratch_file(
        DEMO,
        "kari-status.sqlite",
    ))?));
    kari_registry.create_list(delegations, StatusPurpose::Revocation)?;
    let kari_signs = Issuer::new(Arc::new(kari_key)).with_status(kari_registry, &[delegations]);
    let (_, ola_wallet) = &people[0];
    let delegation_id = "urn:uuid:7d1c2a7e-5b0f-4c8e-9a61-0b2d6f3e4a10";
    let now = Utc::now();
    let delegation = kari_signs.issue(&Delegation::to_credential(
        delegation_id,
        kari_signs.did(),
        ola_wallet.did(),
        kari.did(),
        &DelegationScope::new(["ResidenceCredential"]).to_verifier(pharmacy_did.as_str()),
        now,
        Some(now + Duration::days(90)),
    )?)?;
    let publish = || -> Result<(), lommebok::Error> {
        let list = kari_signs.status_list_credential(delegations, Duration::days(1))?;
        status_lists.insert(delegations, &list.to_json_string());
        Ok(())
    };
    publish()?;
    println!(
        "\nKari delegates {delegation_id} to Ola ({}): ResidenceCredential, to the pharmacy only",
        ola_wallet.did()
    );

    //    Ola's wallet imports the delegation, then Kari's credential (which it keeps only
    //    under a delegation it holds), and answers the pharmacy's query with both.
    ola_wallet.import(&delegation.to_json_string(), &checking(), None)?;
    ola_wallet.import(&kari.export(&holds[0].id)?, &checking(), None)?;
    let ola_presents = || present_at_pharmacy(ola_wallet, &pharmacy, &query, &pharmacy_domain);
    let outcome = ola_presents()?;
    print_report(&outcome.report);
    let on_behalf = outcome
        .report
        .checks
        .iter()
        .find(|c| c.check == CheckKind::HolderBinding && c.reason.contains("on behalf of"))
        .map(|c| {
            c.reason
                .replace(ola_wallet.did().as_str(), "Ola")
                .replace(kari.did().as_str(), "Kari")
        });
    match (&on_behalf, outcome.is_valid()) {
        (Some(reason), true) => println!("\nACCEPTED: {reason}"),
        _ => {
            println!("\nREJECTED");
            return Ok(false);
        }
    }

    // 6. Kari revokes the delegation and publishes her list again; the pharmacy has the new
    //    list, and Ola's next attempt fails.
    kari_signs.revoke(delegation_id)?;
    publish()?;
    println!("\nKari revoked {delegation_id} and published her status list again");
    let outcome = ola_presents()?;
    println!("\n--- failed checks ---");
    for check in outcome.report.failures() {
        println!(
            "FAIL {:<14} {:<16} {}",
            check.target,
            check_name(check.check),
            check.reason
        );
    }
    let revoked = failed_as_revoked(&outcome.report);
    println!(
        "\n{}",
        if revoked && !outcome.is_valid() {
            "REJECTED: the delegation is revoked"
        } else {
            "ACCEPTED?!"
        }
    );
    Ok(revoked && !outcome.is_valid())
}

/// Presents from `wallet` what it chooses by default to answer `query` at the pharmacy (the
/// request bound to `domain`), and gives the pharmacy's verification.
fn present_at_pharmacy(
    wallet: &HolderWallet,
    pharmacy: &Verifier,
    query: &DcqlQuery,
    domain: &str,
) -> Result<Verification<VerifiedPresentation>, Box<dyn std::error::Error>> {
    let request = pharmacy.request(Some(domain));
    let made = wallet.present(
        query,
        &Choice::defaults(&wallet.answers(query)?),
        &request,
        "Apotek 1 Tromsø",
    )?;
    let answer = made
        .presentations
        .first()
        .ok_or("the wallet found nothing to answer with")?;
    Ok(pharmacy.verify_presentation(&answer.presentation, &request)?)
}
