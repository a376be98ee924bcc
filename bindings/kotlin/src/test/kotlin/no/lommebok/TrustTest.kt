// 9. Trust lists and signed requests, as a pharmacy app and a wallet app use them: the national
// anchor signs a list of issuers (the municipality) and registered verifiers (the pharmacy);
// the pharmacy signs its request, the wallet checks who is asking and for what before it
// answers, and the pharmacy checks that the credential's issuer is listed. Every test asserts
// on what the other party sees: the wallet's RequestCheck, the pharmacy's reports.

package no.lommebok

import java.io.File
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.time.Instant
import java.util.Base64
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The vct of the municipality's age credential. */
const val AGE_VCT = "urn:example:age"

/** Where the pharmacy's app receives responses: the address registered for it. */
const val PHARMACY_RESPONSE_URI = "https://apotek.example/response"

/** The national trust list's id, the same for every version. */
const val TRUST_LIST_ID = "urn:example:trust-list:no"

/** The pharmacy's registered name and purpose: what the wallet shows. */
const val PHARMACY_NAME = "Apotek Nord"
const val PHARMACY_PURPOSE = "age check for prescription-free medicines with an age limit"

/** The municipality's listed name. */
const val MUNICIPALITY_NAME = "Tromsø kommune"

/** The pharmacy asks for `age_over_18` of the age credential: what it is registered for. */
val AGE_OVER_18_QUERY = """
    {"credentials": [{"id": "age", "format": "dc+sd-jwt",
      "meta": {"vct_values": ["$AGE_VCT"]},
      "claims": [{"path": ["age_over_18"]}]}]}
""".trimIndent()

/** The same, and the birthdate too: more than the pharmacy is registered for. */
val AGE_AND_BIRTHDATE_QUERY = """
    {"credentials": [{"id": "age", "format": "dc+sd-jwt",
      "meta": {"vct_values": ["$AGE_VCT"]},
      "claims": [{"path": ["age_over_18"]}, {"path": ["birthdate"]}]}]}
""".trimIndent()

/** What the municipality's age credential says about Kari (every claim disclosable). */
const val AGE_CLAIMS = """{"age_over_18": true, "birthdate": "1990-02-03", "given_name": "Kari"}"""
val AGE_DISCLOSABLE = listOf("age_over_18", "birthdate", "given_name")

/** The `client_id` of a verifier identified by its DID. */
fun clientIdOf(did: String): String = "decentralized_identifier:$did"

/** The national anchor, the municipality, the pharmacy's key, and the lists they build. */
class TrustWorld {
    val anchor = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacyKey: SoftwareKey = SoftwareKey.generate(KeyAlgorithm.P256)

    /** The municipality's key, as the pharmacy trusts it for SD-JWTs. */
    val municipalityKey: SdJwtIssuer get() = SdJwtIssuer.DidUrl(municipality.verificationMethod())

    fun listedMunicipality(types: List<String> = listOf(AGE_VCT)) =
        ListedIssuer(municipality.did(), MUNICIPALITY_NAME, types)

    fun registeredPharmacy() = RegisteredVerifier(
        did = pharmacyKey.did(),
        legalName = PHARMACY_NAME,
        purpose = PHARMACY_PURPOSE,
        mayRequest = listOf(RequestScope(AGE_VCT, listOf("age_over_18"))),
        responseUris = listOf(PHARMACY_RESPONSE_URI),
    )

    fun contents(
        sequence: ULong = 1u,
        issuers: List<ListedIssuer> = listOf(listedMunicipality()),
        verifiers: List<RegisteredVerifier> = listOf(registeredPharmacy()),
    ) = TrustListContents(TRUST_LIST_ID, sequence, issuers, verifiers)

    /** The list the anchor publishes. */
    val listJson: String = anchor.issueTrustList(contents())

    /** Lists trusting the anchor, holding [lists] (each added with a plain Verifier). */
    fun trustLists(vararg lists: String): TrustLists {
        val trust = TrustLists(listOf(anchor.did()))
        for (list in lists) trust.add(list, Verifier())
        return trust
    }

    /** What the pharmacy's app and the wallet app hold: the anchor's list. */
    val pharmacyTrust = trustLists(listJson)
    val walletTrust = trustLists(listJson)

    /** The pharmacy's verifier: every issuer must be listed. */
    val pharmacy: Verifier = trustingVerifier(pharmacyTrust)

    /** An age credential from [issuer] bound to [wallet]'s key. */
    fun ageCredential(wallet: HolderWallet, issuer: Issuer = municipality): String =
        issuer.issueSdJwt(AGE_CLAIMS, AGE_DISCLOSABLE, SdJwtOptions(vct = AGE_VCT, holderKeyJwk = wallet.publicKeyJwk()))
}

fun trustingVerifier(trust: TrustLists, atTime: String? = null): Verifier =
    Verifier.withOptions(VerifierOptions(trustLists = trust, atTime = atTime))

/** Imports [sdJwt] from [issuer] without a trust list (the wallet app of a test that needs it). */
fun HolderWallet.importAge(sdJwt: String, issuer: Issuer): String =
    assertImported(importCredential(sdJwt, Verifier(), SdJwtIssuer.DidUrl(issuer.verificationMethod()))).id

/** The pharmacy's verification of the one SD-JWT presentation of [made], for [request]. */
fun Verifier.verifyAgeResponse(request: PresentationRequest, made: Presentations, issuer: Issuer): SdJwtVerification {
    assertEquals(1, made.presentations.size)
    val parts = listOf(ResponsePart.SdJwt(made.presentations[0].presentation, SdJwtIssuer.DidUrl(issuer.verificationMethod())))
    return verifyResponse(request, parts).single()
}

/** The wallet answers [check] with its default choices; asserts that the check was acceptable. */
fun HolderWallet.answer(check: RequestCheck): Presentations {
    assertTrue(check.acceptable(), "refused: ${check.refusals()}")
    val answers = answers(check.queryJson())
    assertTrue(answers.satisfiable, "the wallet cannot answer ${check.queryJson()}")
    return presentTo(check, answers.defaultChoices)
}

/** Asserts that the wallet refuses to answer [check] and logs nothing. */
fun HolderWallet.assertRefusesToAnswer(check: RequestCheck, what: String) {
    assertFalse(check.acceptable(), "$what was acceptable")
    val before = activity().entries.size
    val choices = answers(check.queryJson()).defaultChoices
    assertTrue(choices.isNotEmpty(), "$what: the wallet holds what is asked, only the check refuses")
    assertLommebokError<LommebokException.InvalidInput>("presenting to $what") { presentTo(check, choices) }
    assertEquals(before, activity().entries.size, "$what was logged")
}

// --- JWS pieces, to forge requests as an attacker would ---

private val base64Url = Base64.getUrlEncoder().withoutPadding()

fun base64UrlOf(text: String): String = base64Url.encodeToString(text.toByteArray())

fun fromBase64Url(part: String): String = String(Base64.getUrlDecoder().decode(part))

/** A compact JWS's (header, payload, signature) parts, still encoded. */
fun jwsParts(jws: String): List<String> {
    val parts = jws.split('.')
    assertEquals(3, parts.size, "not a compact JWS: $jws")
    return parts
}

/** [header].[payload] signed ES256 by a fresh P-256 key the JDK made: not the kid's key. */
fun signWithStrangerP256(header: String, payload: String): String {
    val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
    val signature = Signature.getInstance("SHA256withECDSAinP1363Format").run {
        initSign(pair.private)
        update("$header.$payload".toByteArray())
        sign()
    }
    return "$header.$payload.${base64Url.encodeToString(signature)}"
}

/** The trust check of [report] (there is exactly one per credential). */
fun VerificationReport.trustCheck(): Check {
    val found = checks.filter { it.check == CheckKind.TRUST }
    assertEquals(1, found.size, "trust checks in ${describe()}")
    return found[0]
}

// --- 9.1 the happy path ---

fun registeredPharmacyGetsOnlyAgeOver18FromAListedMunicipality() = withTempDir { dir ->
    val world = TrustWorld()
    // What both apps hold: the anchor's list, as verified when added.
    for (trust in listOf(world.pharmacyTrust, world.walletTrust)) {
        assertEquals(listOf(world.anchor.did()), trust.anchors())
        val info = trust.lists().single()
        assertEquals(world.anchor.did(), info.anchor)
        assertEquals(world.contents(), info.contents)
    }

    val (heldId, activityVerifier) = openHolderWallet(dir).use { wallet ->
        // The municipality issues; the wallet app checks the issuer against its lists on import.
        val imported = wallet.importCredential(
            world.ageCredential(wallet), trustingVerifier(world.walletTrust), world.municipalityKey,
        )
        val heldId = assertImported(imported).id

        // The pharmacy's app shows a QR code with its signed request.
        val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
        assertEquals(clientIdOf(world.pharmacyKey.did()), signed.request.domain)

        // The wallet app reads it: who is asking, why, where the answer goes.
        val check = checkRequest(signed.requestObject, world.walletTrust)
        assertTrue(check.acceptable(), "refused: ${check.refusals()}")
        assertEquals(emptyList(), check.refusals())
        assertTrue(check.registered())
        assertEquals(PHARMACY_NAME, check.verifierName())
        assertEquals(PHARMACY_PURPOSE, check.purpose())
        assertEquals(world.pharmacyKey.did(), check.verifierDid())
        assertEquals(world.registeredPharmacy(), check.registration())
        assertEquals(PHARMACY_RESPONSE_URI, check.responseUri())
        assertEquals(emptyList(), check.overAsking())
        assertEquals(signed.request, check.presentationRequest(), "the wallet presents for the pharmacy's challenge and audience")

        // The consent screen: only age_over_18 would leave the phone.
        val answers = wallet.answers(check.queryJson())
        assertTrue(answers.satisfiable)
        val way = answers.queries.single().candidates.single().ways.single()
        assertEquals(listOf("age_over_18"), (way.released as Released.Disclosed).claims)
        assertEquals(listOf(Choice("age", heldId, null)), answers.defaultChoices)
        val made = wallet.presentTo(check, answers.defaultChoices)

        // The pharmacy: valid, the municipality is listed for the type, only age_over_18 disclosed.
        val verification = world.pharmacy.verifyAgeResponse(signed.request, made, world.municipality)
        assertValid(verification.report)
        val trust = verification.report.trustCheck()
        assertTrue(trust.passed)
        assertTrue(MUNICIPALITY_NAME in trust.reason && TRUST_LIST_ID in trust.reason, trust.reason)
        val claims = jsonObject(assertNotNull(verification.claimsJson))
        assertEquals(true, claims["age_over_18"])
        for (hidden in listOf("birthdate", "given_name")) assertFalse(hidden in claims, "$hidden disclosed: $claims")

        // The same response again: the challenge is used up.
        val replay = world.pharmacy.verifyAgeResponse(signed.request, made, world.municipality)
        assertFalse(replay.report.valid, "a replayed response verified")

        val entry = wallet.activity().entries.single()
        assertEquals(heldId, entry.credentialId)
        assertEquals(clientIdOf(world.pharmacyKey.did()), entry.domain)
        heldId to entry.verifier
    }
    assertEquals(PHARMACY_NAME, activityVerifier, "the log names the registered pharmacy")
    // The log survives reopening.
    openHolderWallet(dir).use { wallet ->
        assertEquals(listOf(heldId), wallet.heldIds())
        assertEquals(listOf(PHARMACY_NAME), wallet.activity().entries.map { it.verifier })
    }
}

// --- 9.2 refusals ---

/** The wallet presents [sdJwt] from [issuer] to the pharmacy of [world]; the pharmacy's report. */
fun presentToPharmacy(dir: File, world: TrustWorld, issuer: Issuer, walletTrust: TrustLists = world.walletTrust): VerificationReport =
    openHolderWallet(dir).use { wallet ->
        wallet.importAge(world.ageCredential(wallet, issuer), issuer)
        val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
        val made = wallet.answer(checkRequest(signed.requestObject, walletTrust))
        world.pharmacy.verifyAgeResponse(signed.request, made, issuer).report
    }

fun unlistedIssuerFailsThePharmacysTrustCheck() = withTempDir { dir ->
    val world = TrustWorld()
    val stranger = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    // A wallet app that checks issuers on import refuses it, and says why.
    openHolderWallet(File(dir, "checking").apply { mkdirs() }).use { wallet ->
        val refused = assertRefused(
            wallet.importCredential(world.ageCredential(wallet, stranger), trustingVerifier(world.walletTrust), SdJwtIssuer.DidUrl(stranger.verificationMethod())),
        )
        val report = assertNotNull(refused.report)
        assertOnlyFailed(report, CheckKind.TRUST)
        assertEquals(emptyList(), wallet.heldIds())
    }
    // One that does not: the pharmacy's own check catches it.
    val report = presentToPharmacy(dir, world, stranger)
    val failed = assertOnlyFailed(report, CheckKind.TRUST).single()
    assertTrue(failed.reason.startsWith("issuer not listed"), failed.reason)
    assertTrue(stranger.did() in failed.reason, failed.reason)
}

fun issuerListedForAnotherTypeFailsThePharmacysTrustCheck() = withTempDir { dir ->
    val world = TrustWorld()
    val residenceOnly = world.anchor.issueTrustList(
        world.contents(sequence = 2u, issuers = listOf(world.listedMunicipality(listOf("urn:example:residence")))),
    )
    world.pharmacyTrust.add(residenceOnly, Verifier())
    val report = presentToPharmacy(dir, world, world.municipality)
    val failed = assertOnlyFailed(report, CheckKind.TRUST).single()
    assertTrue(failed.reason.startsWith("listed but not for this type"), failed.reason)
    assertTrue(AGE_VCT in failed.reason, failed.reason)
}

fun expiredTrustListCannotBeAddedAndFailsTrustOnceExpired() {
    val world = TrustWorld()
    val now = Instant.now()
    // The anchor cannot sign a list that ended before it begins (it begins now).
    val past = assertLommebokError<LommebokException.InvalidInput>("a list ending yesterday") {
        world.anchor.issueTrustList(world.contents(sequence = 5u), now.minusSeconds(86_400).toString())
    }
    assertTrue("validUntil" in past.reason, past.reason)

    // A list that ends a second from now, offered once it has ended: the pharmacy's app refuses
    // it (no clock skew allowed here, the default 60 s would still take it), and keeps sequence 1.
    val shortLived = world.anchor.issueTrustList(world.contents(sequence = 5u), now.plusSeconds(1).toString())
    Thread.sleep(java.time.Duration.between(Instant.now(), now.plusMillis(2_500)).toMillis().coerceAtLeast(0))
    val strict = Verifier.withOptions(VerifierOptions(clockSkewSeconds = 0u))
    val expired = assertLommebokError<LommebokException.InvalidInput>("an expired list") {
        world.pharmacyTrust.add(shortLived, strict)
    }
    assertTrue("expired" in expired.reason, expired.reason)
    assertEquals(listOf(1uL), world.pharmacyTrust.lists().map { it.contents.sequence })
    // A device whose clock is two hours on refuses a list in force for an hour.
    val hourList = world.anchor.issueTrustList(world.contents(sequence = 6u), now.plusSeconds(3_600).toString())
    val lateDevice = Verifier.withOptions(VerifierOptions(atTime = now.plusSeconds(7_200).toString()))
    assertLommebokError<LommebokException.InvalidInput>("a list ended for the device") {
        TrustLists(listOf(world.anchor.did())).add(hourList, lateDevice)
    }

    // A list in force for an hour, added now; a Data Integrity credential of a listed type.
    val until = now.plusSeconds(3_600).toString()
    val residenceList = world.anchor.issueTrustList(
        world.contents(issuers = listOf(world.listedMunicipality(listOf(AGE_VCT, RESIDENCE_TYPE_IRI)))), until,
    )
    val trust = TrustLists(listOf(world.anchor.did()))
    val info = trust.add(residenceList, Verifier.withOptions(VerifierOptions(atTime = now.plusSeconds(60).toString())))
    assertNotNull(info.validUntil)
    val credential = world.municipality.issue(residenceCredential(world.municipality.did(), "did:example:kari"))
    val inForce = trustingVerifier(trust).verifyCredential(credential)
    assertValid(inForce)
    assertTrue(inForce.trustCheck().passed)
    // Two hours later the list has expired: the pharmacy's check says so.
    val later = trustingVerifier(trust, atTime = now.plusSeconds(7_200).toString()).verifyCredential(credential)
    val failed = assertOnlyFailed(later, CheckKind.TRUST).single()
    assertTrue(failed.reason.startsWith("list expired"), failed.reason)
    assertTrue(TRUST_LIST_ID in failed.reason, failed.reason)
}

fun tamperedTrustListIsRefusedAndTheHeldListStays() {
    val world = TrustWorld()
    val stranger = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val thief = SoftwareKey.generate(KeyAlgorithm.P256)
    val held = world.pharmacyTrust.lists().single()
    val tampered = mapOf(
        "the municipality's DID replaced" to world.listJson.replace(world.municipality.did(), stranger.did()),
        "the pharmacy's DID replaced" to world.listJson.replace(world.pharmacyKey.did(), thief.did()),
        "a type changed" to world.listJson.replace(AGE_VCT, "urn:example:pid"),
        "the sequence raised" to world.listJson.replace(Regex(""""sequence"\s*:\s*1"""), "\"sequence\": 7"),
    )
    for ((what, json) in tampered) {
        assertNotEquals(world.listJson, json, "$what changed nothing")
        val error = assertLommebokError<LommebokException.InvalidInput>(what) { world.pharmacyTrust.add(json, Verifier()) }
        assertTrue(error.reason.isNotBlank())
        assertEquals(listOf(held), world.pharmacyTrust.lists(), "$what changed the held list")
    }
    // Garbage is refused the same way.
    for (garbage in listOf("", "{", "[]", "{}", "null", world.listJson.take(40))) {
        assertLommebokError<LommebokException.InvalidInput>("list $garbage") { world.pharmacyTrust.add(garbage, Verifier()) }
    }
    assertEquals(listOf(held), world.pharmacyTrust.lists())
    // The stranger is still not listed.
    val credential = stranger.issue(residenceCredential(stranger.did(), "did:example:kari"))
    assertFalse(world.pharmacy.verifyCredential(credential).trustCheck().passed)
}

fun trustListSignedByANonAnchorIsRefused() {
    val world = TrustWorld()
    val stranger = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    // The stranger lists itself as an issuer and its own key as the pharmacy, with a newer sequence.
    val forged = stranger.issueTrustList(
        TrustListContents(
            TRUST_LIST_ID, 9u,
            listOf(ListedIssuer(stranger.did(), "Tromsø kommune", listOf(AGE_VCT))),
            listOf(world.registeredPharmacy()),
        ),
    )
    // It is a well-signed list: a trust store for the stranger takes it.
    assertEquals(9uL, TrustLists(listOf(stranger.did())).apply { add(forged, Verifier()) }.lists().single().contents.sequence)
    val error = assertLommebokError<LommebokException.InvalidInput>("a non-anchor's list") {
        world.pharmacyTrust.add(forged, Verifier())
    }
    assertTrue("not a trust anchor" in error.reason, error.reason)
    assertEquals(1uL, world.pharmacyTrust.lists().single().contents.sequence)
    assertEquals(listOf(world.anchor.did()), world.pharmacyTrust.anchors())
    val credential = stranger.issue(residenceCredential(stranger.did(), "did:example:kari"))
    assertTrue(world.pharmacy.verifyCredential(credential).trustCheck().reason.startsWith("issuer not listed"))
}

fun unsignedAndGarbageRequestsAreInvalidInput() {
    val world = TrustWorld()
    val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
    val (header, payload, _) = jwsParts(signed.requestObject)
    val headerJson = fromBase64Url(header)
    assertEquals("ES256", jsonObject(headerJson)["alg"])
    // The pharmacy's own payload, but alg none and no signature.
    val noneHeader = base64UrlOf(headerJson.replace(Regex(""""alg"\s*:\s*"ES256""""), "\"alg\":\"none\""))
    assertNotEquals(header, noneHeader)
    val unsigned = listOf(
        "alg none" to "$noneHeader.$payload.",
        "alg none with the old signature" to "$noneHeader.$payload.${jwsParts(signed.requestObject)[2]}",
        "no signature" to "$header.$payload.",
        "empty" to "",
        "three dots" to "a.b.c",
        "JSON" to "{}",
        "the payload only" to fromBase64Url(payload),
        "cut short" to signed.requestObject.take(20),
        "emoji" to "💊.💊.💊",
    )
    for ((what, request) in unsigned) {
        val error = assertLommebokError<LommebokException.InvalidInput>(what) { checkRequest(request, world.walletTrust) }
        assertTrue(error.reason.isNotBlank(), what)
    }
    // The genuine request still checks: the failures were the forms, not the trust store.
    assertTrue(checkRequest(signed.requestObject, world.walletTrust).acceptable())
}

fun requestSignedByAnotherKeyIsInvalidInput() {
    val world = TrustWorld()
    val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
    val (header, payload, signature) = jwsParts(signed.requestObject)
    val payloadJson = fromBase64Url(payload)
    assertEquals(PHARMACY_RESPONSE_URI, jsonString(payloadJson, "response_uri"))
    assertTrue(world.pharmacyKey.did() in jsonString(fromBase64Url(header), "kid").orEmpty(), "the kid is the pharmacy's key")

    // The attacker redirects the answer to itself, keeping the pharmacy's signature.
    val redirected = base64UrlOf(payloadJson.replace(PHARMACY_RESPONSE_URI, "https://apotek-nord.example/collect"))
    // ... or asks for the birthdate.
    val greedy = base64UrlOf(payloadJson.replace("\"age_over_18\"", "\"birthdate\""))
    val forged = listOf(
        "a redirected response address" to "$header.$redirected.$signature",
        "a changed query" to "$header.$greedy.$signature",
        // A look-alike signs the pharmacy's header (its kid) and payload with its own key.
        "a look-alike's signature under the pharmacy's kid" to signWithStrangerP256(header, payload),
        "a look-alike's signature on a redirected request" to signWithStrangerP256(header, redirected),
    )
    for ((what, request) in forged) {
        assertNotEquals(signed.requestObject, request)
        assertLommebokError<LommebokException.InvalidInput>(what) { checkRequest(request, world.walletTrust) }
    }
    // The look-alike's own request naming the pharmacy's client_id, under its own kid.
    val lookAlike = SoftwareKey.generate(KeyAlgorithm.P256)
    val own = Verifier().signedRequest(lookAlike, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
    val (ownHeader, ownPayload, ownSignature) = jwsParts(own.requestObject)
    val claimed = base64UrlOf(fromBase64Url(ownPayload).replace(lookAlike.did(), world.pharmacyKey.did()))
    assertLommebokError<LommebokException.InvalidInput>("the pharmacy's client_id under the look-alike's kid") {
        checkRequest("$ownHeader.$claimed.$ownSignature", world.walletTrust)
    }
}

fun unregisteredLookAlikeVerifierIsRefusedAndNothingIsLogged() = withTempDir { dir ->
    val world = TrustWorld()
    val lookAlike = SoftwareKey.generate(KeyAlgorithm.P256)
    openHolderWallet(dir).use { wallet ->
        wallet.importAge(world.ageCredential(wallet), world.municipality)
        // Same query, same response address, its own key: the signature is fine, the key is not registered.
        val signed = Verifier().signedRequest(lookAlike, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
        val check = checkRequest(signed.requestObject, world.walletTrust)
        assertFalse(check.acceptable())
        assertFalse(check.registered())
        assertNull(check.registration())
        assertNull(check.purpose())
        assertEquals(lookAlike.did(), check.verifierDid())
        assertEquals("unregistered verifier ${lookAlike.did()}", check.verifierName())
        assertEquals(listOf("the verifier is not registered"), check.refusals())
        wallet.assertRefusesToAnswer(check, "the look-alike")
        assertEquals(emptyList(), wallet.activity().entries)
    }
}

fun overAskingPharmacyIsRefusedNamingTheClaim() = withTempDir { dir ->
    val world = TrustWorld()
    openHolderWallet(dir).use { wallet ->
        wallet.importAge(world.ageCredential(wallet), world.municipality)
        val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_AND_BIRTHDATE_QUERY, PHARMACY_RESPONSE_URI)
        val check = checkRequest(signed.requestObject, world.walletTrust)
        assertTrue(check.registered(), "it is the registered pharmacy")
        assertEquals(PHARMACY_NAME, check.verifierName())
        val asks = check.overAsking()
        assertEquals(listOf("age" to "birthdate"), asks.map { it.queryId to it.claim })
        assertTrue(asks.single().reason.isNotBlank())
        val refusal = check.refusals().single()
        assertTrue(refusal.startsWith("the verifier asks for more than it is registered for"), refusal)
        assertTrue("birthdate" in refusal, refusal)
        wallet.assertRefusesToAnswer(check, "the over-asking pharmacy")
        assertEquals(emptyList(), wallet.activity().entries)
    }
}

fun responseAddressNotRegisteredIsRefusedNamingIt() = withTempDir { dir ->
    val world = TrustWorld()
    val elsewhere = "https://apotek.example/other-response"
    openHolderWallet(dir).use { wallet ->
        wallet.importAge(world.ageCredential(wallet), world.municipality)
        val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, elsewhere)
        val check = checkRequest(signed.requestObject, world.walletTrust)
        assertTrue(check.registered())
        assertEquals(emptyList(), check.overAsking())
        assertEquals(elsewhere, check.responseUri())
        val refusal = check.refusals().single()
        assertTrue(elsewhere in refusal && "does not name" in refusal, refusal)
        wallet.assertRefusesToAnswer(check, "a response to $elsewhere")
        assertEquals(emptyList(), wallet.activity().entries)
    }
}

fun presentationForThePharmacyFailsAtTheBank() = withTempDir { dir ->
    val world = TrustWorld()
    val bankKey = SoftwareKey.generate(KeyAlgorithm.P256)
    val bank = trustingVerifier(world.pharmacyTrust)
    openHolderWallet(dir).use { wallet ->
        wallet.importAge(world.ageCredential(wallet), world.municipality)
        val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
        val made = wallet.answer(checkRequest(signed.requestObject, world.walletTrust))
        val presentation = made.presentations.single().presentation
        val parts = listOf(ResponsePart.SdJwt(presentation, world.municipalityKey))

        // The pharmacy forwards Kari's answer to the bank, which checks it against its own request.
        val bankRequest = bank.signedRequest(bankKey, AGE_OVER_18_QUERY, "https://bank.example/response").request
        assertEquals(clientIdOf(bankKey.did()), bankRequest.domain)
        val atBank = bank.verifyResponse(bankRequest, parts).single().report
        assertFalse(atBank.valid, "the bank accepted the pharmacy's presentation: ${atBank.describe()}")
        assertTrue(CheckKind.DOMAIN in atBank.failures().map { it.second }, atBank.describe())
        assertNull(bank.verifyResponse(bank.request(bankRequest.domain), parts).single().claimsJson)

        // Even with the pharmacy's challenge, the audience is the pharmacy, not the bank.
        val forBank = PresentationRequest(signed.request.challenge, clientIdOf(bankKey.did()))
        val report = world.pharmacy.verifyResponse(forBank, parts).single().report
        assertFalse(report.valid, "a presentation for the pharmacy verified for the bank")
        // Only the audience is wrong: the issuer is listed, the challenge is the pharmacy's.
        val failed = assertOnlyFailed(report, CheckKind.DOMAIN).single()
        assertTrue(clientIdOf(bankKey.did()) in failed.reason, failed.reason)
        assertTrue(report.trustCheck().passed, report.describe())
    }
}

// --- 9.3 the danger option ---

fun dangerAllowUnregisteredLetsTheLookAlikeThroughAndIsOffByDefault() = withTempDir { dir ->
    val world = TrustWorld()
    assertFalse(RequestPolicy().dangerAllowUnregistered, "off by default")
    assertFalse(RequestPolicy().dangerAllowOverAsking)
    assertFalse(RequestPolicy().dangerAllowUnregisteredResponseUri)
    val lookAlike = SoftwareKey.generate(KeyAlgorithm.P256)
    val lookAlikeVerifier = Verifier()
    openHolderWallet(dir).use { wallet ->
        wallet.importAge(world.ageCredential(wallet), world.municipality)
        val signed = lookAlikeVerifier.signedRequest(lookAlike, AGE_OVER_18_QUERY, "https://look-alike.example/response")
        assertFalse(checkRequest(signed.requestObject, world.walletTrust, RequestPolicy()).acceptable())
        assertFalse(checkRequest(signed.requestObject, world.walletTrust, null).acceptable())

        val check = checkRequest(signed.requestObject, world.walletTrust, RequestPolicy(dangerAllowUnregistered = true))
        assertTrue(check.acceptable(), "refused: ${check.refusals()}")
        assertFalse(check.registered(), "let through, still not registered")
        assertEquals("unregistered verifier ${lookAlike.did()}", check.verifierName())
        val made = wallet.answer(check)
        val verification = lookAlikeVerifier.verifyAgeResponse(signed.request, made, world.municipality)
        assertEquals(true, verifiedClaims(verification)["age_over_18"])
        assertEquals(listOf("unregistered verifier ${lookAlike.did()}"), wallet.activity().entries.map { it.verifier })
    }
}

// --- 9.4 list versions ---

fun newerTrustListReplacesTheOlderAndRollbackIsRefused() {
    val world = TrustWorld()
    val trust = world.walletTrust
    val signed = world.pharmacy.signedRequest(world.pharmacyKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
    assertTrue(checkRequest(signed.requestObject, trust).registered())

    // Sequence 2 deregisters the pharmacy (its key was stolen) and registers its new key.
    val newKey = SoftwareKey.generate(KeyAlgorithm.P256)
    val second = world.anchor.issueTrustList(
        world.contents(sequence = 2u, verifiers = listOf(world.registeredPharmacy().copy(did = newKey.did()))),
    )
    val info = trust.add(second, Verifier())
    assertEquals(2uL, info.contents.sequence)
    assertEquals(listOf(2uL), trust.lists().map { it.contents.sequence }, "one list per id, the newer")
    assertFalse(checkRequest(signed.requestObject, trust).registered(), "the old key is no longer registered")
    val renewed = world.pharmacy.signedRequest(newKey, AGE_OVER_18_QUERY, PHARMACY_RESPONSE_URI)
    assertEquals(PHARMACY_NAME, checkRequest(renewed.requestObject, trust).verifierName())

    // The thief replays sequence 1 to get the old key back.
    val rollback = assertLommebokError<LommebokException.InvalidInput>("a rollback to sequence 1") {
        trust.add(world.listJson, Verifier())
    }
    assertTrue("not newer" in rollback.reason, rollback.reason)
    assertLommebokError<LommebokException.InvalidInput>("sequence 2 again") { trust.add(second, Verifier()) }
    assertEquals(listOf(2uL), trust.lists().map { it.contents.sequence })
    assertFalse(checkRequest(signed.requestObject, trust).registered(), "the rollback changed nothing")
}
