// 12. Recovery with guardians, and delegation, as Android wallet apps use them: the citizen's
// wallet splits a recovery secret among three guardians' wallets (2 of 3 recover it), a new
// device asks them with a signed request and a short code, survives being killed in between
// (toState / resume), and restores the whole wallet into a new store; a helper's wallet presents
// the citizen's credential under a delegation. Every test asserts on what the other side sees:
// the guardian's PendingRelease, the device's shares, the restored wallet's credentials, the
// pharmacy's report.

package no.lommebok

import java.io.File
import java.security.SecureRandom
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The citizen's guardians, in the order the citizen names them (share indexes 1, 2, 3). */
val GUARDIAN_NAMES = listOf("Ola", "Nils", "Ingrid")

/** The passphrase the citizen chooses on the new phone. */
const val NEW_PHONE_PASSPHRASE = "ny telefon, ny hest"

/** A fresh 32-byte store key, as a guardian's app keeps in the platform keystore. */
fun keystoreKey(): StoreKey = StoreKey.Key(ByteArray(32).also { SecureRandom().nextBytes(it) })

/**
 * The citizen's wallet (passphrase, in [dir]) holding a residence credential from the
 * municipality, protected 2 of 3 by three guardians' wallets, each on its own store file, each
 * having kept its share.
 */
class GuardedWallet(val dir: File) {
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val citizen: HolderWallet = openHolderWallet(dir)
    val residenceId: String = assertImported(
        citizen.importCredential(municipality.issue(residenceCredential(municipality.did(), citizen.did())), Verifier()),
    ).id
    val guardians: List<GuardianWallet> = GUARDIAN_NAMES.map { name ->
        GuardianWallet.open(File(dir, "guardian-$name.db").path, keystoreKey())
    }
    val protection: Protection = citizen.protect(
        2u,
        GUARDIAN_NAMES.zip(guardians).map { (name, guardian) -> Guardian(name, guardian.publicKey()) },
    )

    init {
        // Each guardian's app scans its share (a QR code) and keeps it.
        for ((i, guardian) in guardians.withIndex()) {
            val share = protection.shares[i]
            assertEquals(GUARDIAN_NAMES[i], share.guardian)
            val kept = guardian.keep(share.sealed)
            assertEquals(KeptShare(citizen.did(), 1u, (i + 1).toUByte()), kept)
            assertEquals(listOf(kept), guardian.keptShares())
        }
    }

    /** A new store file in [dir]. */
    fun newStore(name: String): String = File(dir, name).path
}

/** A new device's recovery of [backup] with a fresh software key. */
fun newDevice(backup: ByteArray): DeviceRecovery =
    DeviceRecovery(backup, DeviceKey.Software(SoftwareKey.generate(KeyAlgorithm.P256)))

/**
 * The guardian's app: checks the device's request, compares the short code the owner reads
 * out ([codeReadOut]) with the one it shows, and releases. Returns the release.
 */
fun GuardianWallet.approve(device: DeviceRecovery, codeReadOut: String = device.shortCode()): String {
    val pending = checkRequest(device.request())
    assertEquals(device.wallet(), pending.wallet)
    assertEquals(pending.shortCode, codeReadOut, "the guardian's screen shows the code the owner reads out")
    return release(device.request(), codeReadOut)
}

/** The residence credential presented by [wallet] to a fresh office verifier: its report. */
fun presentResidence(wallet: HolderWallet): VerificationReport {
    val office = Verifier()
    val answers = wallet.answers(RESIDENCE_QUERY)
    assertTrue(answers.satisfiable, "the wallet cannot answer the residence query")
    val request = office.request(PHARMACY)
    val made = wallet.present(RESIDENCE_QUERY, answers.defaultChoices, request, "Tromsø kommune")
    return office.verifyPresentation(made.presentations.single().presentation, request)
}

// --- 12.1 the whole story ---

fun citizenRestoresOnANewPhoneThroughTwoOfThreeGuardiansAfterTheAppWasKilled(): Unit = withTempDir { dir ->
    val world = GuardedWallet(dir)
    val did = world.citizen.did()
    val heldBefore = world.citizen.heldIds()
    assertEquals(listOf(world.residenceId), heldBefore)
    val protection = world.protection
    assertEquals(1u, protection.epoch)
    assertEquals(2.toUByte(), protection.threshold)
    assertEquals(GUARDIAN_NAMES, protection.shares.map { it.guardian })
    assertEquals(listOf<UByte>(1u, 2u, 3u), protection.shares.map { it.index })
    for (share in protection.shares) {
        assertTrue(share.sealed.startsWith("lbs1."), share.sealed)
        assertFalse(share.sealed.contains("Nordmann"))
    }
    // The backup goes to a cloud drive: nothing of the credential in clear.
    assertFalse(protection.backup.toString(Charsets.ISO_8859_1).contains("Nordmann"), "the backup holds the credential in clear")
    val backup = protection.backup
    world.citizen.close() // the phone is lost

    // The new phone: the recovery key is an Android Keystore key (a Kotlin Signer).
    val keystore = JdkSigner(SignatureForm.DER)
    val device = DeviceRecovery(backup, DeviceKey.Platform(keystore))
    assertTrue(keystore.signatures.isNotEmpty(), "the platform key signed the request")
    assertEquals(did, device.wallet())
    assertEquals(2.toUByte(), device.threshold())
    assertEquals(0u, device.shares())
    val code = device.shortCode()
    assertTrue(Regex("[0-9]{6}").matches(code), "a 6-digit code: $code")
    val request = device.request()

    // Ola's app scans the request: it shows whose wallet, and the same code as the new phone.
    val ola = world.guardians[0]
    val pending = ola.checkRequest(request)
    assertEquals(did, pending.wallet)
    assertEquals(1u, pending.epoch)
    assertEquals(code, pending.shortCode)
    assertEquals(KeptShare(did, 1u, 1u), pending.share)
    // The same expiry (the request carries whole seconds; the device may show fractions).
    val expires = Instant.parse(pending.expiresAt)
    assertEquals(Instant.parse(device.requestExpiresAt()).truncatedTo(ChronoUnit.SECONDS), expires)
    assertTrue(expires.isAfter(Instant.now()), "the request has not expired: $expires")
    // Ola types the code as the citizen reads it out, with a space.
    val fromOla = ola.release(request, code.substring(0, 3) + " " + code.substring(3))
    assertTrue(fromOla.startsWith("lbr1."), fromOla)
    assertEquals(1.toUByte(), device.addRelease("Ola", fromOla))
    assertEquals(1u, device.shares())

    // The app is killed; it saved its state first, and resumes with the same backup and key.
    val state = device.toState()
    device.close()
    val resumed = DeviceRecovery.resume(state, backup, DeviceKey.Platform(keystore))
    assertEquals(1u, resumed.shares())
    assertEquals(request, resumed.request())
    assertEquals(code, resumed.shortCode())

    // Ingrid answers the next day.
    val ingrid = world.guardians[2]
    assertEquals(3.toUByte(), resumed.addRelease("Ingrid", ingrid.approve(resumed, code)))
    assertEquals(2u, resumed.shares())
    val state2 = resumed.toState()
    resumed.close()
    val device2 = DeviceRecovery.resume(state2, backup, DeviceKey.Platform(keystore))
    assertEquals(2u, device2.shares())

    // Restored into a new store under the new passphrase.
    val newStore = world.newStore("new-phone.db")
    val restored = device2.restore(newStore, StoreKey.Passphrase(NEW_PHONE_PASSPHRASE))
    assertEquals(2u, restored.protection.epoch, "the restore rotates")
    assertEquals(GUARDIAN_NAMES, restored.protection.shares.map { it.guardian })
    assertEquals("", device2.shortCode(), "the recovery is finished")
    assertLommebokError<LommebokException.InvalidInput>("saving a finished recovery") { device2.toState() }
    restored.wallet.use { wallet ->
        assertEquals(did, wallet.did())
        assertEquals(heldBefore, wallet.heldIds())
    }

    // The app restarts: the new store opens with the new passphrase only.
    assertLommebokError<LommebokException.WrongKey>("the old passphrase on the new store") {
        HolderWallet.open(newStore, StoreKey.Passphrase(WALLET_PASSPHRASE))
    }
    HolderWallet.open(newStore, StoreKey.Passphrase(NEW_PHONE_PASSPHRASE)).use { wallet ->
        assertEquals(did, wallet.did())
        assertEquals(heldBefore, wallet.heldIds())
        // The office sees the same citizen presenting the municipality's credential.
        val report = presentResidence(wallet)
        assertValid(report)
        assertTrue(report.passed(CheckKind.HOLDER_KEY, "presentation").reason.contains(did))
        assertTrue(report.passed(CheckKind.ISSUER_KEY, "credential[0]").reason.contains(world.municipality.did()))
        report.passed(CheckKind.HOLDER_BINDING, "credential[0]")
    }
}

// --- 12.2 the threshold ---

fun everyPairOfGuardiansRestoresAndNoSingleGuardianDoes(): Unit = withTempDir { dir ->
    val world = GuardedWallet(dir)
    val did = world.citizen.did()
    val backup = world.protection.backup
    val pairs = listOf(0 to 1, 0 to 2, 1 to 2)
    for ((a, b) in pairs) {
        val device = newDevice(backup)
        val what = "${GUARDIAN_NAMES[a]} and ${GUARDIAN_NAMES[b]}"
        val none = assertLommebokError<LommebokException.InvalidInput>("restore with no share") {
            device.restore(world.newStore("none-$a$b.db"), StoreKey.Passphrase(NEW_PHONE_PASSPHRASE))
        }
        assertTrue(none.reason.contains("0 of the 2 shares"), none.reason)
        assertEquals((a + 1).toUByte(), device.addRelease(GUARDIAN_NAMES[a], world.guardians[a].approve(device)))
        assertEquals((b + 1).toUByte(), device.addRelease(GUARDIAN_NAMES[b], world.guardians[b].approve(device)))
        val restored = device.restore(world.newStore("restored-$a$b.db"), StoreKey.Passphrase(NEW_PHONE_PASSPHRASE))
        restored.wallet.use { wallet ->
            assertEquals(did, wallet.did(), what)
            assertEquals(listOf(world.residenceId), wallet.heldIds(), what)
        }
    }

    for ((i, guardian) in world.guardians.withIndex()) {
        val device = newDevice(backup)
        val release = guardian.approve(device)
        device.addRelease(GUARDIAN_NAMES[i], release)
        // The same guardian again, the same release or a second one, does not count twice.
        val again = assertLommebokError<LommebokException.InvalidInput>("${GUARDIAN_NAMES[i]}'s release twice") {
            device.addRelease(GUARDIAN_NAMES[i], release)
        }
        assertTrue(again.reason.contains("already added"), again.reason)
        assertLommebokError<LommebokException.InvalidInput>("a second release from ${GUARDIAN_NAMES[i]}") {
            device.addRelease(GUARDIAN_NAMES[i], guardian.approve(device))
        }
        assertEquals(1u, device.shares())
        val store = world.newStore("alone-$i.db")
        val alone = assertLommebokError<LommebokException.InvalidInput>("restore with ${GUARDIAN_NAMES[i]} alone") {
            device.restore(store, StoreKey.Passphrase(NEW_PHONE_PASSPHRASE))
        }
        assertTrue(alone.reason.contains("1 of the 2 shares"), alone.reason)
        assertTrue(!File(store).exists() || File(store).length() == 0L, "a store was written with too few shares")
        // The recovery is not spent: it still holds the one share.
        assertEquals(1u, device.shares())
        assertEquals(did, device.wallet())
    }
}

// --- 12.3 attacks: a wrong code, another device, a revoked share ---

fun wrongCodeReleasesNothingAnotherDevicesReleaseDoesNotAddAndRotationRevokesTheOldShare(): Unit = withTempDir { dir ->
    val world = GuardedWallet(dir)
    val did = world.citizen.did()
    val backup = world.protection.backup
    val (ola, nils, ingrid) = world.guardians

    // The citizen's new phone, and a thief's phone that got the backup from the cloud drive.
    val phone = newDevice(backup)
    val thief = newDevice(backup)
    assertNotEquals(phone.request(), thief.request())

    // The thief sends Ola his request; the citizen reads out her phone's code: it does not match.
    val thiefPending = ola.checkRequest(thief.request())
    assertEquals(did, thiefPending.wallet, "the request names the citizen's wallet")
    val wrongCodes = listOf(
        phone.shortCode().takeIf { it != thiefPending.shortCode } ?: "",
        thiefPending.shortCode.dropLast(1) + ((thiefPending.shortCode.last() - '0' + 1) % 10),
        "",
        "abcdef",
        thiefPending.shortCode + "0",
    )
    for (wrong in wrongCodes) {
        val error = assertLommebokError<LommebokException.InvalidInput>("releasing with the code '$wrong'") {
            ola.release(thief.request(), wrong)
        }
        assertTrue(error.reason.contains("short code"), error.reason)
    }
    assertEquals(0u, thief.shares())
    assertEquals(listOf(KeptShare(did, 1u, 1u)), ola.keptShares(), "Ola still keeps his share")

    // A release meant for the thief's device (Ola tricked into it) does not add to the phone,
    // and one for the phone does not add to the thief's device.
    val forThief = ola.release(thief.request(), thiefPending.shortCode)
    val notHere = assertLommebokError<LommebokException.InvalidInput>("a release for another device") {
        phone.addRelease("Ola", forThief)
    }
    assertTrue(notHere.reason.isNotBlank())
    assertEquals(0u, phone.shares())
    assertEquals(1.toUByte(), thief.addRelease("Ola", forThief))
    val forPhone = nils.approve(phone)
    assertLommebokError<LommebokException.InvalidInput>("the phone's release on the thief's device") {
        thief.addRelease("Nils", forPhone)
    }
    assertEquals(1u, thief.shares(), "only Ola's release to the thief counts there")

    // The citizen restores with Nils and Ola; the restore rotates to epoch 2.
    phone.addRelease("Nils", forPhone)
    phone.addRelease("Ola", ola.approve(phone))
    val restored = phone.restore(world.newStore("phone.db"), StoreKey.Passphrase(NEW_PHONE_PASSPHRASE))
    val rotation = restored.protection
    assertEquals(2u, rotation.epoch)
    // Ola and Nils keep their new shares; Ingrid has not answered yet.
    assertEquals(2u, ola.keep(rotation.shares[0].sealed).epoch)
    assertEquals(2u, nils.keep(rotation.shares[1].sealed).epoch)

    // The old backup is dead: Ola and Nils refuse its requests; the thief cannot go on.
    val oldBackupDevice = newDevice(backup)
    for ((name, guardian) in listOf("Ola" to ola, "Nils" to nils)) {
        val error = assertLommebokError<LommebokException.InvalidInput>("$name on a request of the old backup") {
            guardian.checkRequest(oldBackupDevice.request())
        }
        assertTrue(error.reason.contains("newest backup"), error.reason)
        assertLommebokError<LommebokException.InvalidInput>("$name releasing to the thief") {
            guardian.release(thief.request(), thief.shortCode())
        }
    }

    // Ingrid's old share does not answer a request of the new backup...
    val newBackupDevice = newDevice(rotation.backup)
    val stale = assertLommebokError<LommebokException.InvalidInput>("Ingrid's old share on the new backup") {
        ingrid.checkRequest(newBackupDevice.request())
    }
    assertTrue(stale.reason.contains("revoked by a rotation"), stale.reason)
    // ...and once she keeps her new share, the old one is refused.
    assertEquals(2u, ingrid.keep(rotation.shares[2].sealed).epoch)
    val old = assertLommebokError<LommebokException.InvalidInput>("keeping Ingrid's old share again") {
        ingrid.keep(world.protection.shares[2].sealed)
    }
    assertTrue(old.reason.contains("revoked by a rotation"), old.reason)
    assertEquals(listOf(KeptShare(did, 2u, 3u)), ingrid.keptShares())

    // The new split works: Ingrid and Ola restore the new backup.
    newBackupDevice.addRelease("Ingrid", ingrid.approve(newBackupDevice))
    newBackupDevice.addRelease("Ola", ola.approve(newBackupDevice))
    newBackupDevice.restore(world.newStore("again.db"), StoreKey.Passphrase(NEW_PHONE_PASSPHRASE)).wallet.use { wallet ->
        assertEquals(did, wallet.did())
        assertEquals(listOf(world.residenceId), wallet.heldIds())
    }
    restored.wallet.close()
}

// --- 12.4 delegation ---

fun helperPresentsTheCitizensCredentialToThePharmacyOnBehalfOfHerButNotToTheBank(): Unit = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    // The citizen's own key (in her app) signs the delegation.
    val citizen = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacyDid = SoftwareKey.generate(KeyAlgorithm.P256).did()
    val bankDid = SoftwareKey.generate(KeyAlgorithm.P256).did()
    val pharmacy = Verifier()
    val bank = Verifier()
    val residence = municipality.issue(residenceCredential(municipality.did(), citizen.did()))

    openHolderWallet(dir).use { helper ->
        // Without a delegation the citizen's credential is someone else's: refused, not kept.
        val refused = assertRefused(helper.importCredential(residence, Verifier()))
        assertNull(refused.report, "it verified; it is only not the helper's")
        assertEquals(emptyList(), helper.heldIds())

        val delegation = citizen.issueDelegation(
            citizen.did(),
            helper.did(),
            DelegationScope(credentialTypes = listOf("ResidenceCredential"), verifiers = listOf(pharmacyDid)),
            "2999-01-01T00:00:00Z",
        )
        val delegationId = assertNotNull(credentialId(delegation), "the delegation's id")
        assertTrue(delegationId.startsWith("urn:uuid:"), delegationId)
        val delegationHeld = assertImported(helper.importCredential(delegation, Verifier()))
        assertTrue("DelegationCredential" in delegationHeld.types, delegationHeld.types.toString())
        val residenceHeld = assertImported(helper.importCredential(residence, Verifier()))
        assertEquals(setOf(delegationHeld.id, residenceHeld.id), helper.heldIds().toSet())

        // The pharmacy asks for the residence credential; the citizen's answers.
        val answers = helper.answers(RESIDENCE_QUERY)
        assertTrue(answers.satisfiable)
        assertEquals(listOf(residenceHeld.id), answers.queries.single().candidates.map { it.credential.id })
        val request = pharmacy.request(pharmacyDid)
        val made = helper.present(RESIDENCE_QUERY, answers.defaultChoices, request, "Apotek Nord")
        val vp = made.presentations.single().presentation
        val report = pharmacy.verifyPresentation(vp, request)
        assertValid(report)
        assertTrue(report.passed(CheckKind.HOLDER_KEY, "presentation").reason.contains(helper.did()))
        val onBehalf = report.checks.filter {
            it.check == CheckKind.HOLDER_BINDING && it.passed && it.reason.contains("on behalf of")
        }
        assertEquals(1, onBehalf.size, "one holder binding on behalf of the citizen: ${report.describe()}")
        val reason = onBehalf.single().reason
        assertTrue(reason.contains(helper.did()) && reason.contains(citizen.did()), reason)
        assertTrue(reason.contains(delegationId), reason)
        assertEquals(1, helper.activity().entries.size)

        // The bank (another verifier DID) is not in the delegation: nothing is presented or logged.
        val bankRequest = bank.request(bankDid)
        val toBank = assertLommebokError<LommebokException.InvalidInput>("presenting to the bank") {
            helper.present(RESIDENCE_QUERY, helper.answers(RESIDENCE_QUERY).defaultChoices, bankRequest, "Banken")
        }
        assertTrue(toBank.reason.isNotBlank())
        // Nor to a request naming no verifier.
        assertLommebokError<LommebokException.InvalidInput>("presenting to a request without a domain") {
            helper.present(RESIDENCE_QUERY, helper.answers(RESIDENCE_QUERY).defaultChoices, bank.request(null), "Banken")
        }
        assertEquals(1, helper.activity().entries.size, "a refused presentation was logged")
        // The pharmacy's presentation handed on to the bank fails there.
        assertFalse(bank.verifyPresentation(vp, bankRequest).valid)
    }
}

// --- 12.5 garbage to the new exports ---

fun garbageToRecoveryAndDelegationExportsIsInvalidInput(): Unit = withTempDir { dir ->
    val world = GuardedWallet(dir)
    val (ola, nils) = world.guardians
    val backup = world.protection.backup
    fun invalid(what: String, block: () -> Unit) = assertLommebokError<LommebokException.InvalidInput>(what, block)

    // Shares that are not shares, or are someone else's.
    for (bad in listOf("", "garbage", "lbs1.", "lbs1.AAAA", "lbs1." + "A".repeat(400), world.protection.shares[0].sealed.dropLast(4), "lbg1.x", "\u0000")) {
        invalid("keep '${bad.take(20)}'") { nils.keep(bad) }
    }
    invalid("Ola's share kept by Nils") { nils.keep(world.protection.shares[0].sealed) }
    assertEquals(listOf(KeptShare(world.citizen.did(), 1u, 2u)), nils.keptShares(), "Nils keeps only his own share")

    // Requests that are not requests, or were changed on the way.
    val device = newDevice(backup)
    val request = device.request()
    val (header, payload, signature) = jwsParts(request)
    val tampered = "$header.${base64UrlOf(fromBase64Url(payload) + " ")}.$signature"
    val forged = signWithStrangerP256(header, payload)
    for (bad in listOf("", "garbage", "a.b.c", "$header.$payload.", "$header.$payload", tampered, forged, request + "x")) {
        invalid("checkRequest '${bad.take(20)}'") { ola.checkRequest(bad) }
        invalid("release '${bad.take(20)}'") { ola.release(bad, device.shortCode()) }
    }

    // Backups and states that are not.
    val software = DeviceKey.Software(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val badBytes = listOf(ByteArray(0), "garbage".toByteArray(), backup.copyOf(20), ByteArray(4096) { 0x41 })
    for (bad in badBytes) {
        invalid("DeviceRecovery of ${bad.size} bad bytes") { DeviceRecovery(bad, software) }
    }
    val state = device.toState()
    for (bad in badBytes + listOf(state.copyOf(state.size - 1), state.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 1).toByte() })) {
        invalid("resume of ${bad.size} bad state bytes") { DeviceRecovery.resume(bad, backup, software) }
    }
    for (bad in badBytes) {
        invalid("resume with ${bad.size} bad backup bytes") { DeviceRecovery.resume(state, bad, software) }
    }
    invalid("resume with another device key") { DeviceRecovery.resume(state, backup, software) }
    invalid("renewRequest with another device key") { device.renewRequest(software) }

    // Releases that are not, or are shares.
    for (bad in listOf("", "garbage", "lbr1.", "lbr1.AAAA", world.protection.shares[0].sealed, request)) {
        invalid("addRelease '${bad.take(20)}'") { device.addRelease("Ola", bad) }
    }
    val release = ola.approve(device)
    invalid("a truncated release") { device.addRelease("Ola", release.dropLast(3)) }
    assertEquals(0u, device.shares(), "nothing bad was added")
    device.addRelease("Ola", release)
    device.addRelease("Nils", nils.approve(device))
    invalid("restore under a 5-byte key") { device.restore(world.newStore("short-key.db"), StoreKey.Key(ByteArray(5))) }
    invalid("restore into the citizen's own store") { device.restore(walletFile(dir), StoreKey.Passphrase(WALLET_PASSPHRASE)) }
    assertEquals(2u, device.shares(), "the recovery is not spent by a store the app can fix")

    // A backup cut short (a partial download) is read by its header only: the device starts
    // and the guardians release, but it does not open; the state saved before, resumed with the
    // whole backup, restores into the same file.
    val cutKey = DeviceKey.Software(SoftwareKey.generate(KeyAlgorithm.P256))
    val cut = DeviceRecovery(backup.copyOf(backup.size - 10), cutKey)
    cut.addRelease("Ola", ola.approve(cut))
    cut.addRelease("Nils", nils.approve(cut))
    val saved = cut.toState()
    val cutStore = world.newStore("after-cut.db")
    val damaged = invalid("restoring a cut backup") { cut.restore(cutStore, StoreKey.Passphrase(NEW_PHONE_PASSPHRASE)) }
    assertTrue(damaged.reason.contains("does not open"), damaged.reason)
    DeviceRecovery.resume(saved, backup, cutKey).restore(cutStore, StoreKey.Passphrase(NEW_PHONE_PASSPHRASE)).wallet.use { wallet ->
        assertEquals(world.citizen.did(), wallet.did())
        assertEquals(listOf(world.residenceId), wallet.heldIds())
    }

    // protect / rotate / refreshBackup with what does not fit.
    openHolderWallet(File(dir, "unprotected").apply { mkdirs() }).use { unprotected ->
        invalid("rotate unprotected") { unprotected.rotate() }
        invalid("refreshBackup unprotected") { unprotected.refreshBackup() }
        val keys = world.guardians.mapIndexed { i, g -> Guardian(GUARDIAN_NAMES[i], g.publicKey()) }
        for (threshold in listOf<UByte>(0u, 1u, 4u, 255u)) {
            invalid("threshold $threshold of 3") { unprotected.protect(threshold, keys) }
        }
        invalid("no guardians") { unprotected.protect(2u, emptyList()) }
        for (bad in listOf("", "lbg1.nope", world.protection.shares[1].sealed, world.citizen.did())) {
            val error = invalid("guardian key '${bad.take(20)}'") {
                unprotected.protect(2u, listOf(keys[0], Guardian("Nils", bad), keys[2]))
            }
            assertTrue(error.reason.contains("Nils"), error.reason)
        }
        invalid("rotate after failed protects") { unprotected.rotate() }
    }

    // Delegations with what is not a DID, a type, or a date.
    val citizen = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val helperDid = SoftwareKey.generate(KeyAlgorithm.ED25519).did()
    val scope = DelegationScope(credentialTypes = listOf("ResidenceCredential"))
    invalid("principal not a DID") { citizen.issueDelegation("Kari", helperDid, scope) }
    invalid("delegate not a DID") { citizen.issueDelegation(citizen.did(), "", scope) }
    invalid("verifier not a DID") { citizen.issueDelegation(citizen.did(), helperDid, scope.copy(verifiers = listOf("apotek.example"))) }
    invalid("no credential types") { citizen.issueDelegation(citizen.did(), helperDid, scope.copy(credentialTypes = emptyList())) }
    invalid("a date in the past") { citizen.issueDelegation(citizen.did(), helperDid, scope, "2000-01-01T00:00:00Z") }
    invalid("not a date") { citizen.issueDelegation(citizen.did(), helperDid, scope, "tomorrow") }
}
