// 13. Re-issuance after a recovery, as Android wallet apps use it: the citizen's wallet holds its
// key in the Android Keystore (a Kotlin Signer), lost with the phone. Guardians bring the wallet
// back onto a new phone with a new keystore key; the old credential names the lost key, so the
// wallet will not present it. Two guardians confirm from their own wallets, the wallet asks the
// municipality, and the municipality re-issues the credential to the new key and revokes the old
// one. Every test asserts on what the other side sees: the municipality's answer, the published
// status list, the pharmacy's report.

package no.lommebok

import java.io.File
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The municipality (with a revocation list), the citizen's wallet on a keystore key holding its
 * residence credential, protected 2 of 3 by guardians who each have a guardian store and their
 * own wallet; the phone is lost, and a new phone (a new keystore key) has two guardians' releases.
 */
class LostPhone(val dir: File) {
    val registry: StatusRegistry = StatusRegistry.inMemory().also { it.createList(REVOCATIONS, StatusPurpose.REVOCATION) }
    val municipality: Issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).withStatus(registry, listOf(REVOCATIONS))
    val oldKey = JdkSigner(SignatureForm.DER)
    val oldDid: String
    val credential: String
    val credentialId: String
    /** The wallet's own id for the credential (the credential's `id` is the municipality's). */
    val heldId: String
    val guardians: List<GuardianWallet> = GUARDIAN_NAMES.map { GuardianWallet.open(File(dir, "guardian-$it.db").path, keystoreKey()) }
    val guardianWallets: List<HolderWallet> = GUARDIAN_NAMES.map {
        HolderWallet.open(File(dir, "wallet-$it.db").path, keystoreKey())
    }
    val guardianDids: List<String> = guardianWallets.map { it.did() }
    val newKey = JdkSigner(SignatureForm.DER)
    val device: DeviceRecovery
    lateinit var wallet: HolderWallet

    init {
        val citizen = HolderWallet.open(File(dir, "old-phone.db").path, keystoreKey(), oldKey)
        oldDid = citizen.did()
        assertEquals(oldKey.expectedDid, oldDid)
        credential = municipality.issue(residenceCredential(municipality.did(), oldDid))
        credentialId = assertNotNull(credentialId(credential), "the municipality gives its credentials an id")
        assertTrue(credential.contains("credentialStatus"), credential)
        heldId = assertImported(citizen.importCredential(credential, verifier())).id
        val protection = citizen.protect(2u, GUARDIAN_NAMES.zip(guardians).map { (n, g) -> Guardian(n, g.publicKey()) })
        for ((guardian, share) in guardians.zip(protection.shares)) guardian.keep(share.sealed)
        citizen.close() // the phone is lost, and its keystore key with it

        // The new phone's keystore key also signs the recovery request.
        device = DeviceRecovery(protection.backup, DeviceKey.Platform(newKey))
        assertEquals(oldDid, device.wallet())
        for (i in 0..1) {
            assertEquals((i + 1).toUByte(), device.addRelease(GUARDIAN_NAMES[i], guardians[i].approve(device)))
        }
        assertEquals(2u, device.shares())
    }

    /** The municipality's revocation list as it publishes it now. */
    fun published(): String = municipality.statusListCredential(REVOCATIONS, 3600u)

    /** A verifier that fetched the municipality's revocation list ([list], or now). */
    fun verifier(list: String = published()): Verifier = Verifier().also { it.addStatusList(REVOCATIONS, list) }

    fun restore(): HolderWallet {
        wallet = device.restoreWithPlatformKey(File(dir, "new-phone.db").path, keystoreKey(), newKey).wallet
        return wallet
    }

    /** The guardians [which], having called the citizen, confirm from their own wallets. */
    fun confirm(vararg which: Int, holder: String = wallet.did()): List<String> =
        which.map { guardianWallets[it].confirmRecovery(oldDid, holder) }

    fun request(vararg which: Int): String = wallet.reissuanceRequest(heldId, confirm(*which))

    fun reissue(request: String, issuer: Issuer = municipality): Reissued =
        issuer.reissue(request, 2u, verifier(), guardianDids)

    /** What a verifier that fetched the list now says of the old credential's status. */
    fun oldStatusFailures(): List<String> =
        verifier().verifyCredential(credential).checks.filter { it.check == CheckKind.STATUS && !it.passed }.map { it.reason }

    fun close() {
        if (this::wallet.isInitialized) wallet.close()
        guardianWallets.forEach { it.close() }
    }
}

private fun invalidInput(what: String, block: () -> Unit): String =
    assertLommebokError<LommebokException.InvalidInput>(what, block).reason.also { assertTrue(it.isNotBlank(), what) }

/** [wallet] presents the held credential [heldId] to [pharmacy] for [domain]: (the VP's JSON, the report). */
private fun presentHeld(wallet: HolderWallet, heldId: String, pharmacy: Verifier, domain: String): Pair<Map<String, Any?>, VerificationReport> {
    val request = pharmacy.request(domain)
    val made = wallet.present(RESIDENCE_QUERY, listOf(Choice("residence", heldId)), request, "Apotek Nord")
    val vp = made.presentations.single().presentation
    return jsonObject(vp) to pharmacy.verifyPresentation(vp, request)
}

@Suppress("UNCHECKED_CAST")
private fun Map<String, Any?>.credentials(): List<Map<String, Any?>> = this["verifiableCredential"] as List<Map<String, Any?>>

@Suppress("UNCHECKED_CAST")
private fun Map<String, Any?>.subject(): Map<String, Any?> = this["credentialSubject"] as Map<String, Any?>

// --- 13.1 the whole story ---

fun lostKeystoreKeysCredentialIsReissuedToTheNewPhoneAndTheOldOneRevoked(): Unit = withTempDir { dir ->
    val story = LostPhone(dir)
    try {
        // Restoring without the new phone's key is refused, and does not spend the recovery.
        val withoutKey = invalidInput("restore without the platform key") {
            story.device.restore(File(dir, "without-key.db").path, keystoreKey())
        }
        assertTrue(withoutKey.contains("restore_with_platform_key"), withoutKey)
        assertEquals(2u, story.device.shares())
        assertTrue(story.device.request().isNotEmpty() && story.device.shortCode().isNotEmpty(), "the recovery was spent")

        val wallet = story.restore()
        assertEquals(story.newKey.expectedDid, wallet.did())
        assertNotEquals(story.oldDid, wallet.did())
        assertEquals(listOf(story.oldDid), wallet.previousHolders())
        assertEquals(listOf(story.heldId), wallet.heldIds())
        assertEquals("", story.device.request(), "the recovery is spent once restored")

        // The old credential came back, but names the lost key: the wallet will not present it.
        val pharmacy = Verifier()
        val refused = invalidInput("presenting the old credential") {
            wallet.present(RESIDENCE_QUERY, listOf(Choice("residence", story.heldId)), pharmacy.request(PHARMACY), "Apotek Nord")
        }
        assertTrue(refused.contains("re-issued"), refused)
        assertTrue(refused.contains(story.heldId), refused)
        assertEquals(emptyList(), wallet.activity().entries)

        // Ola and Ingrid call the citizen, then confirm from their own wallets.
        val confirmations = story.confirm(0, 2)
        assertEquals(2, confirmations.toSet().size)
        val signedBefore = story.newKey.signatures.size
        val request = wallet.reissuanceRequest(story.heldId, confirmations)
        assertTrue(story.newKey.signatures.size > signedBefore, "the new keystore key signs the request")

        // The municipality re-issues, checking the old credential against its own list.
        val publishedBefore = story.published()
        val reissued = story.reissue(request)
        assertEquals(story.credentialId, reissued.revoked)
        assertEquals(listOf(story.guardianDids[0], story.guardianDids[2]).sorted(), reissued.confirmedBy.sorted())
        val new = jsonObject(reissued.credential)
        val old = jsonObject(story.credential)
        assertEquals(story.municipality.did(), new["issuer"])
        assertEquals(wallet.did(), new.subject()["id"])
        assertEquals(credentialId(reissued.credential), new["id"])
        assertNotEquals(story.credentialId, new["id"])
        for (claim in listOf("name", "municipality")) assertEquals(old.subject()[claim], new.subject()[claim], claim)
        assertEquals(old["type"], new["type"])
        assertNotEquals(old["credentialStatus"], new["credentialStatus"])

        // The same request again is refused: the old credential is revoked now.
        invalidInput("the same request twice") { story.reissue(request) }

        // A verifier holding the list fetched before does not know yet; after republishing,
        // the old credential is revoked for everyone, and the new one is in force.
        assertValid(story.verifier(publishedBefore).verifyCredential(story.credential))
        val fresh = story.verifier()
        val oldReport = fresh.verifyCredential(story.credential)
        assertFalse(oldReport.valid, oldReport.describe())
        assertEquals(listOf("revoked"), story.oldStatusFailures(), oldReport.describe())
        assertValid(fresh.verifyCredential(reissued.credential))

        // The wallet keeps the new credential, and the pharmacy accepts it.
        val newHeld = assertImported(wallet.importCredential(reissued.credential, story.verifier()))
        assertEquals(setOf(story.heldId, newHeld.id), wallet.heldIds().toSet())
        pharmacy.addStatusList(REVOCATIONS, story.published())
        val (vp, report) = presentHeld(wallet, newHeld.id, pharmacy, PHARMACY)
        assertEquals(wallet.did(), vp["holder"])
        assertEquals(listOf(new["id"]), vp.credentials().map { it["id"] })
        assertValid(report)
        assertTrue(report.passed(CheckKind.STATUS, "credential[0]").passed)
        val entry = wallet.activity().entries.single()
        assertEquals("Apotek Nord", entry.verifier)
        assertEquals(newHeld.id, entry.credentialId)
    } finally {
        story.close()
    }
}

// --- 13.2 refusals: each InvalidInput, nothing revoked ---

fun refusedReissuanceRequestsRevokeNothingAndTheProperOneStillWorks(): Unit = withTempDir { dir ->
    val story = LostPhone(dir)
    try {
        val wallet = story.restore()

        // One confirmation, for a policy of two.
        val one = invalidInput("one confirmation") { story.reissue(story.request(1)) }
        assertTrue(one.contains("1 accepted guardian confirmation") && one.contains("2 needed"), one)
        // The same guardian twice counts once.
        val twice = invalidInput("one guardian twice") {
            story.reissue(wallet.reissuanceRequest(story.heldId, story.confirm(1) + story.confirm(1)))
        }
        assertTrue(twice.contains("2 needed"), twice)

        // A confirmation by someone the municipality does not accept as a guardian.
        HolderWallet.open(File(dir, "stranger.db").path, keystoreKey()).use { stranger ->
            val withStranger = story.confirm(0) + stranger.confirmRecovery(story.oldDid, wallet.did())
            val reason = invalidInput("a stranger's confirmation") {
                story.reissue(wallet.reissuanceRequest(story.heldId, withStranger))
            }
            assertTrue(reason.contains("not an accepted guardian") && reason.contains(stranger.did()), reason)
        }
        // Nor does the citizen confirming herself.
        val herself = story.confirm(0) + wallet.confirmRecovery(story.oldDid, wallet.did())
        invalidInput("the citizen's own confirmation") { story.reissue(wallet.reissuanceRequest(story.heldId, herself)) }
        // Confirmations for another new phone do not count.
        val elsewhere = story.confirm(0, 1, holder = JdkSigner(SignatureForm.DER).expectedDid)
        val other = invalidInput("confirmations for another phone") {
            story.reissue(wallet.reissuanceRequest(story.heldId, elsewhere))
        }
        assertTrue(other.contains("for other holders"), other)

        // The proper request, given to another issuer.
        val proper = story.request(0, 1)
        val otherRegistry = StatusRegistry.inMemory().also { it.createList(REVOCATIONS, StatusPurpose.REVOCATION) }
        val otherIssuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).withStatus(otherRegistry, listOf(REVOCATIONS))
        val another = invalidInput("another issuer") { story.reissue(proper, otherIssuer) }
        assertTrue(another.contains("another issuer"), another)

        // Garbage, and the proper request tampered with.
        val flip = if (proper[proper.length - 8] == 'A') 'B' else 'A'
        val tampered = proper.substring(0, proper.length - 8) + flip + proper.substring(proper.length - 7)
        for (garbage in listOf("", "{}", "garbage", "a.b.c", "\u0000".repeat(64), "x".repeat(200_000), tampered)) {
            invalidInput("garbage request ${garbage.take(12)}") { story.reissue(garbage) }
        }
        // The wallet will not ask about a credential it does not hold.
        invalidInput("an unknown credential") { wallet.reissuanceRequest("urn:uuid:${UUID.randomUUID()}", story.confirm(0, 1)) }

        // Nothing was revoked: the old credential is in force, and the proper request still works.
        assertEquals(emptyList(), story.oldStatusFailures())
        val reissued = story.reissue(proper)
        assertEquals(story.credentialId, reissued.revoked)
        assertEquals(story.guardianDids.take(2).sorted(), reissued.confirmedBy.sorted())
        assertEquals(listOf("revoked"), story.oldStatusFailures())
        // The new credential is about the current key: not something to re-issue.
        val held = assertImported(wallet.importCredential(reissued.credential, story.verifier()))
        invalidInput("re-issuing the current credential") { wallet.reissuanceRequest(held.id, story.confirm(0, 1)) }
    } finally {
        story.close()
    }
}

// --- 13.3 the citizen delegates from her own wallet ---

fun citizenOnAKeystoreKeyDelegatesFromHerWalletAndTheHelperPresentsOnHerBehalf(): Unit = withTempDir { dir ->
    val citizenKey = JdkSigner(SignatureForm.DER)
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacyDid = SoftwareKey.generate(KeyAlgorithm.P256).did()
    val pharmacy = Verifier()
    HolderWallet.open(File(dir, "citizen.db").path, keystoreKey(), citizenKey).use { citizen ->
        HolderWallet.open(File(dir, "helper.db").path, keystoreKey()).use { helper ->
            val residenceId = "urn:uuid:${UUID.randomUUID()}"
            val residence = municipality.issue(residenceCredential(municipality.did(), citizen.did(), residenceId))
            assertImported(citizen.importCredential(residence, Verifier()))
            // Without a delegation the helper's wallet does not keep it.
            assertRefused(helper.importCredential(residence, Verifier()))

            val signedBefore = citizenKey.signatures.size
            val issuer = citizen.asIssuer()
            assertEquals(citizenKey.expectedDid, issuer.did())
            val delegation = issuer.issueDelegation(
                citizen.did(),
                helper.did(),
                DelegationScope(credentialTypes = listOf("ResidenceCredential"), verifiers = listOf(pharmacyDid)),
                null,
            )
            assertTrue(citizenKey.signatures.size > signedBefore, "the citizen's keystore key signs the delegation")
            val document = jsonObject(delegation)
            assertEquals(citizen.did(), document["issuer"])
            assertEquals(helper.did(), document.subject()["id"])
            assertEquals(citizen.did(), document.subject()["onBehalfOf"])
            assertValid(Verifier().verifyCredential(delegation))
            val delegationId = assertNotNull(credentialId(delegation))

            // The helper's wallet keeps the delegation, then the citizen's credential under it.
            val delegationHeld = assertImported(helper.importCredential(delegation, Verifier()))
            val held = assertImported(helper.importCredential(residence, Verifier()))
            assertEquals(setOf(delegationHeld.id, held.id), helper.heldIds().toSet())

            // The pharmacy's report says on whose behalf the helper presents.
            val (vp, report) = presentHeld(helper, held.id, pharmacy, pharmacyDid)
            assertEquals(helper.did(), vp["holder"])
            val ids = vp.credentials().map { it["id"] }
            assertEquals(setOf(residenceId, delegationId), ids.toSet())
            assertValid(report)
            val binding = report.passed(CheckKind.HOLDER_BINDING, "credential[${ids.indexOf(residenceId)}]")
            assertTrue(binding.reason.contains("on behalf of"), report.describe())
            assertTrue(binding.reason.contains(citizen.did()) && binding.reason.contains(helper.did()), binding.reason)

            // The delegation names the pharmacy only: not the bank.
            val bankDid = SoftwareKey.generate(KeyAlgorithm.P256).did()
            val toBank = invalidInput("presenting to the bank") {
                helper.present(RESIDENCE_QUERY, listOf(Choice("residence", held.id)), Verifier().request(bankDid), "Banken")
            }
            assertTrue(toBank.contains("delegation"), toBank)
        }
    }
}
