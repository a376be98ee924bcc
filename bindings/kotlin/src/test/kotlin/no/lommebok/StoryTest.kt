// 1. The demo story, written as the three apps would: Tromsø kommune issues a residence credential
// with a revocation entry, Kari's wallet holds it and presents it to a pharmacy, the pharmacy
// verifies offline with the published status list; the municipality revokes, republishes, and
// the pharmacy rejects the next presentation as revoked.

package no.lommebok

import java.io.File
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

/** What the story leaves behind, for a test to look at afterwards. */
class StoryOutcome(val credentialJson: String, val credentialId: String, val municipalityKeyJson: String)

/**
 * Runs the story against [registry] (which must be empty). When [credentialId] is null the
 * issuer gives the credential its `urn:uuid:` id, and the app reads it back from the JSON.
 */
fun demoStory(registry: StatusRegistry, credentialId: String?): StoryOutcome {
    // The municipality: a signing key (kept as a Multikey document in its key store), a
    // revocation list, and an issuer giving every credential an entry in it.
    val municipalityKey = SoftwareKey.generate(KeyAlgorithm.ED25519)
    registry.createList(REVOCATIONS, StatusPurpose.REVOCATION)
    val municipality = Issuer(municipalityKey).withStatus(registry, listOf(REVOCATIONS))
    assertEquals(municipalityKey.did(), municipality.did())

    // Kari's wallet app, with its own key and DID.
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))

    // The municipality issues the residence credential to Kari's DID.
    val credential = municipality.issue(residenceCredential(municipality.did(), wallet.did(), credentialId))
    val id = credentialIdOf(credential)
    if (credentialId != null) assertEquals(credentialId, id, "the app's own id is kept")
    assertEquals(REVOCATIONS, jsonString(credential, "statusListCredential"))
    assertEquals("revocation", jsonString(credential, "statusPurpose"))
    assertEquals("eddsa-rdfc-2022", jsonString(credential, "cryptosuite"))
    val entries = registry.statusOf(id)
    assertEquals(1, entries.size, "one status entry: $entries")
    assertEquals(REVOCATIONS, entries[0].listUrl)
    assertEquals(StatusPurpose.REVOCATION, entries[0].purpose)
    assertEquals(entries[0].index.toString(), jsonString(credential, "statusListIndex"))
    assertEquals(0u.toUByte(), entries[0].value)

    // The wallet stores it, as it arrived over the wire.
    wallet.store(credential)
    val held = wallet.credentials()
    assertEquals(1, held.size)
    assertEquals(id, credentialIdOf(held[0]))

    // The municipality publishes its status list (valid for a day); the pharmacy's app fetched it.
    val published = municipality.statusListCredential(REVOCATIONS, 86_400uL)
    assertTrue(published.contains("BitstringStatusListCredential"), published)
    val pharmacy = Verifier()
    pharmacy.addStatusList(REVOCATIONS, published)

    // The pharmacy can check the credential on its own...
    val alone = pharmacy.verifyCredential(credential)
    assertValid(alone)
    assertEquals("not revoked", alone.passed(CheckKind.STATUS, "credential").reason)

    // ...and asks Kari for a presentation: a fresh challenge, bound to its domain.
    val request = pharmacy.request(PHARMACY)
    assertEquals(PHARMACY, request.domain)
    assertTrue(request.challenge.length >= 16, "challenge ${request.challenge}")
    val presentation = wallet.present(wallet.credentials(), request)
    assertEquals(request.challenge, jsonString(presentation, "challenge"))
    val report = pharmacy.verifyPresentation(presentation, request)
    assertValid(report)
    assertEquals("not revoked", report.passed(CheckKind.STATUS, "credential[0]").reason)
    report.passed(CheckKind.CHALLENGE, "presentation")
    assertTrue(report.passed(CheckKind.DOMAIN, "presentation").reason.contains(PHARMACY))
    assertTrue(report.passed(CheckKind.HOLDER_KEY, "presentation").reason.contains(wallet.did()))
    report.passed(CheckKind.HOLDER_BINDING, "credential[0]")
    assertTrue(report.passed(CheckKind.ISSUER_KEY, "credential[0]").reason.contains(municipality.did()))
    report.passed(CheckKind.PROOF, "credential[0]")
    report.passed(CheckKind.VALIDITY_PERIOD, "credential[0]")

    // Kari moves away: the municipality revokes. Until the pharmacy has the list published after
    // that, it still sees the credential as not revoked.
    municipality.revoke(id)
    assertEquals(1u.toUByte(), registry.statusOf(id).single().value)
    val beforeRepublish = pharmacy.request(PHARMACY)
    val stale = pharmacy.verifyPresentation(wallet.present(wallet.credentials(), beforeRepublish), beforeRepublish)
    assertValid(stale)
    assertEquals("not revoked", stale.passed(CheckKind.STATUS, "credential[0]").reason)

    // The municipality publishes again; the pharmacy's app fetches the new list.
    pharmacy.addStatusList(REVOCATIONS, municipality.statusListCredential(REVOCATIONS, 86_400uL))
    val next = pharmacy.request(PHARMACY)
    val revoked = pharmacy.verifyPresentation(wallet.present(wallet.credentials(), next), next)
    assertTrue(!revoked.valid, revoked.describe())
    assertEquals(listOf(Triple("credential[0]", CheckKind.STATUS, "revoked")), revoked.failures())
    // Everything else about the presentation still holds.
    revoked.passed(CheckKind.CHALLENGE, "presentation")
    revoked.passed(CheckKind.HOLDER_BINDING, "credential[0]")

    val keyJson = municipalityKey.toMultikeyJson()
    listOf(wallet, municipality, pharmacy, municipalityKey).forEach { it.close() }
    return StoryOutcome(credential, id, keyJson)
}

fun demoStoryWithStatusListsInMemory() {
    StatusRegistry.inMemory().use { registry ->
        demoStory(registry, credentialId = "urn:uuid:${UUID.randomUUID()}")
    }
}

fun demoStoryWithStatusListsInSqliteSurvivesReopening() = withTempDir { dir ->
    val database = File(dir, "status.sqlite").path
    val outcome = StatusRegistry.openSqlite(database).use { registry -> demoStory(registry, credentialId = null) }
    assertTrue(File(database).length() > 0, "the database file was written")

    // The municipality's server restarts: it reloads its key and opens the same database.
    StatusRegistry.openSqlite(database).use { registry ->
        val entry = registry.statusOf(outcome.credentialId).single()
        assertEquals(1u.toUByte(), entry.value, "the revocation survived: $entry")
        val again = assertLommebokError<LommebokException.Status>("creating the list twice") {
            registry.createList(REVOCATIONS, StatusPurpose.REVOCATION)
        }
        assertTrue(again.reason.isNotEmpty())

        val municipality = Issuer(SoftwareKey.fromMultikeyJson(outcome.municipalityKeyJson))
            .withStatus(registry, listOf(REVOCATIONS))
        // A new credential never gets the revoked one's index.
        val other = municipality.issue(residenceCredential(municipality.did(), "did:example:ola"))
        assertNotEquals(entry.index, registry.statusOf(credentialIdOf(other)).single().index)

        // The list published after the restart still says revoked, and the new one is fine.
        val verifier = Verifier()
        verifier.addStatusList(REVOCATIONS, municipality.statusListCredential(REVOCATIONS, 3_600uL))
        val revoked = verifier.verifyCredential(outcome.credentialJson)
        assertEquals(listOf(Triple("credential", CheckKind.STATUS, "revoked")), revoked.failures())
        assertValid(verifier.verifyCredential(other))
    }
    // A path that cannot be a database file is a Status error, not a crash.
    assertLommebokError<LommebokException.Status>("a folder as database") { StatusRegistry.openSqlite(dir.path) }
    Unit
}
