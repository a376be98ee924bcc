// What the CLI does with --context URL=FILE and with status message lists, from Kotlin.

package no.lommebok

import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

private val vocabulary = ContextDocument(
    url = "https://kommune.example/vocab/v1",
    document = """{"@context": {"@vocab": "https://kommune.example/vocab#"}}""",
)

private fun parkingPermit(issuerDid: String, holderDid: String) = """
    {"@context": ["https://www.w3.org/ns/credentials/v2", "${vocabulary.url}"],
     "type": ["VerifiableCredential", "ParkingPermit"],
     "issuer": "$issuerDid",
     "credentialSubject": {"id": "$holderDid", "zone": "Sentrum"}}
""".trimIndent()

fun ownVocabularyNeedsItsContextToIssuePresentAndVerify() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val unsigned = parkingPermit(issuer.did(), wallet.did())
    val refused = assertFailsWith<LommebokException.InvalidInput> { issuer.issue(unsigned) }
    assertTrue(refused.reason.contains(vocabulary.url), refused.reason)

    val credential = issuer.withContexts(listOf(vocabulary)).issue(unsigned)
    wallet.store(credential)
    val unaware = Verifier().verifyCredential(credential)
    assertFalse(unaware.valid)
    assertTrue(unaware.failures().any { it.second == CheckKind.CONTEXT }, unaware.describe())

    val verifier = Verifier.withOptions(VerifierOptions(contexts = listOf(vocabulary)))
    val request = verifier.request("apotek.example")
    assertFailsWith<LommebokException.InvalidInput> { wallet.present(listOf(credential), request) }
    wallet.addContexts(listOf(vocabulary))
    assertValid(verifier.verifyPresentation(wallet.present(listOf(credential), request), request))
}

fun messageListValueReachesTheVerifierWithItsMessage() {
    val url = "https://kommune.example/status/messages/1"
    val registry = StatusRegistry.inMemory()
    val messages = listOf("pending_review", "accepted", "rejected", "undefined")
        .mapIndexed { value, text -> StatusMessage(value.toUByte(), text) }
    registry.createMessageList(url, 2u, messages, listOf("https://kommune.example/status-dictionary/"))
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).withStatus(registry, listOf(url))
    val holder = SoftwareKey.generate(KeyAlgorithm.ED25519)
    val credential = issuer.issue(residenceCredential(issuer.did(), holder.did()))
    val id = credentialId(credential) ?: error("issued credential has no id")

    registry.setStatus(id, StatusPurpose.MESSAGE, 1u)
    val verifier = Verifier()
    verifier.addStatusList(url, issuer.statusListCredential(url, 3_600uL))
    val status = verifier.verifyCredential(credential).passed(CheckKind.STATUS, "credential")
    assertEquals("status message 0x1: accepted", status.reason)
    assertEquals(listOf("accepted"), registry.statusOf(id).map { it.message })
}
