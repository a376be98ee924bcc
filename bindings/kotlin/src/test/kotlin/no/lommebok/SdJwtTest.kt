// SD-JWT VC through the bindings: the "over 18" story, key binding, a JDK platform signer,
// Token Status Lists, and garbage to every SD-JWT function.

package no.lommebok

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The pharmacy's audience (the KB-JWT's `aud`). */
const val PHARMACY_AUD = "https://apotek.example"

/** Where the municipality publishes its Status List Token. */
const val TOKEN_LIST = "https://tromso.kommune.example/token-status/revocation/1"

val PID_CLAIMS = """
    {"given_name": "Kari", "family_name": "Nordmann", "birthdate": "1990-02-03",
     "age_over_18": true,
     "address": {"street_address": "Storgata 1", "locality": "Tromsø", "country": "NO"}}
""".trimIndent()
val PID_DISCLOSABLE = listOf("given_name", "family_name", "birthdate", "age_over_18", "address")
val PID_HIDDEN = listOf("given_name", "family_name", "birthdate", "address")

/** A person identification credential bound to [wallet]'s key. */
fun issuePid(issuer: Issuer, wallet: Wallet, statusId: String? = null): String =
    issuer.issueSdJwt(
        PID_CLAIMS,
        PID_DISCLOSABLE,
        SdJwtOptions(
            vct = "urn:eudi:pid:1",
            holderKeyJwk = wallet.publicKeyJwk(),
            statusListUrl = statusId?.let { TOKEN_LIST },
            statusCredentialId = statusId,
        ),
    )

/** The wallet shows only `age_over_18` to the pharmacy's request; the pharmacy verifies. */
fun over18(issuer: Issuer, wallet: Wallet, pharmacy: Verifier, sdJwt: String): SdJwtVerification {
    val request = pharmacy.request(PHARMACY_AUD)
    val presentation = wallet.presentSdJwt(sdJwt, listOf("age_over_18"), request)
    return pharmacy.verifySdJwt(presentation, SdJwtIssuer.DidUrl(issuer.verificationMethod()), request)
}

fun assertOnlyAgeOver18(claimsJson: String?) {
    val claims = assertNotNull(claimsJson, "claims of a valid presentation")
    assertTrue(Regex(""""age_over_18"\s*:\s*true""").containsMatchIn(claims), claims)
    assertEquals("urn:eudi:pid:1", jsonString(claims, "vct"))
    for (hidden in PID_HIDDEN) {
        assertFalse(claims.contains("\"$hidden\""), "$hidden shown: $claims")
    }
}

fun over18ShowsOnlyAgeOver18WithBothKeyTypes() {
    for (issuerAlg in listOf(KeyAlgorithm.ED25519, KeyAlgorithm.P256)) {
        for (holderAlg in listOf(KeyAlgorithm.ED25519, KeyAlgorithm.P256)) {
            val issuer = Issuer(SoftwareKey.generate(issuerAlg))
            val wallet = Wallet(SoftwareKey.generate(holderAlg))
            val sdJwt = issuePid(issuer, wallet)
            // The wallet screen: every claim, and what can be left out.
            val contents = inspectSdJwt(sdJwt)
            assertEquals("Kari", jsonString(contents.claimsJson, "given_name"))
            assertEquals(PID_DISCLOSABLE.toSet(), contents.disclosable.toSet())

            val verification = over18(issuer, wallet, Verifier(), sdJwt)
            assertValid(verification.report)
            val kinds = verification.report.checks.map { it.check }.toSet()
            assertTrue(CheckKind.DISCLOSURES in kinds && CheckKind.KEY_BINDING in kinds, verification.report.describe())
            assertOnlyAgeOver18(verification.claimsJson)
        }
    }
}

fun sdJwtIssuerTrustedByItsJwk() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacy = Verifier()
    var request = pharmacy.request(PHARMACY_AUD)
    var presentation = wallet.presentSdJwt(issuePid(issuer, wallet), listOf("age_over_18"), request)
    val verification = pharmacy.verifySdJwt(presentation, SdJwtIssuer.Jwk(issuer.publicKeyJwk()), request)
    assertValid(verification.report)
    assertOnlyAgeOver18(verification.claimsJson)
    // Another issuer's key: not valid, no claims.
    val other = Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
    request = pharmacy.request(PHARMACY_AUD)
    presentation = wallet.presentSdJwt(issuePid(issuer, wallet), listOf("age_over_18"), request)
    val forged = pharmacy.verifySdJwt(presentation, SdJwtIssuer.Jwk(other.publicKeyJwk()), request)
    assertFalse(forged.report.valid)
    assertNull(forged.claimsJson)
}

fun sdJwtForAnotherVerifiersRequestFailsChallenge() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacy = Verifier()
    val foreign = Verifier().request(PHARMACY_AUD)
    val presentation = wallet.presentSdJwt(issuePid(issuer, wallet), listOf("age_over_18"), foreign)
    val verification = pharmacy.verifySdJwt(presentation, SdJwtIssuer.DidUrl(issuer.verificationMethod()), foreign)
    assertFalse(verification.report.valid)
    assertNull(verification.claimsJson)
    assertTrue(
        verification.report.failures().any { it.second == CheckKind.CHALLENGE },
        verification.report.describe(),
    )
}

fun jdkP256SignerSignsTheKeyBindingJwt() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val signer = JdkSigner(SignatureForm.DER)
    val wallet = Wallet.withSigner(signer)
    val jwk = wallet.publicKeyJwk()
    assertEquals("EC", jsonString(jwk, "kty"))
    assertEquals("P-256", jsonString(jwk, "crv"))
    val sdJwt = issuePid(issuer, wallet)
    assertTrue(signer.signatures.isEmpty(), "issuing does not use the holder's key")
    val verification = over18(issuer, wallet, Verifier(), sdJwt)
    assertValid(verification.report)
    assertOnlyAgeOver18(verification.claimsJson)
    assertEquals(1, signer.signatures.size, "the KB-JWT is signed by the JDK key")
}

fun unboundSdJwtIsPresentedWithoutKeyBinding() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val sdJwt = issuer.issueSdJwt(PID_CLAIMS, PID_DISCLOSABLE, SdJwtOptions(vct = "urn:eudi:pid:1", decoys = 3u))
    val presentation = wallet.presentSdJwtWithoutKeyBinding(sdJwt, listOf("age_over_18"))
    val verification = Verifier().verifySdJwt(presentation, SdJwtIssuer.DidUrl(issuer.verificationMethod()))
    assertValid(verification.report)
    assertOnlyAgeOver18(verification.claimsJson)
    assertLommebokError<LommebokException.InvalidInput>("bound credential without key binding") {
        wallet.presentSdJwtWithoutKeyBinding(issuePid(issuer, wallet), listOf("age_over_18"))
    }
}

fun sdJwtWithTokenStatusIsValidUntilRevoked() {
    val registry = StatusRegistry.inMemory()
    registry.createList(TOKEN_LIST, StatusPurpose.REVOCATION)
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).withStatus(registry, emptyList())
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.P256))
    val pharmacy = Verifier()
    val sdJwt = issuePid(issuer, wallet, statusId = "urn:uuid:pid-1")
    assertTrue(inspectSdJwt(sdJwt).claimsJson.contains("\"status\""))

    pharmacy.addStatusList(TOKEN_LIST, issuer.statusListToken(TOKEN_LIST, 3_600uL))
    val valid = over18(issuer, wallet, pharmacy, sdJwt)
    assertValid(valid.report)
    assertEquals(1, valid.report.checks.count { it.check == CheckKind.STATUS && it.passed })

    issuer.revoke("urn:uuid:pid-1")
    pharmacy.addStatusList(TOKEN_LIST, issuer.statusListToken(TOKEN_LIST, 3_600uL))
    val revoked = over18(issuer, wallet, pharmacy, sdJwt)
    assertNull(revoked.claimsJson)
    val failed = assertOnlyFailed(revoked.report, CheckKind.STATUS)
    assertTrue(failed.single().reason.startsWith("revoked"), failed.single().reason)
}

fun garbageToSdJwtFunctionsIsInvalidInput() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val verifier = Verifier()
    val sdJwt = issuePid(issuer, wallet)
    val request = verifier.request(PHARMACY_AUD)
    val good = SdJwtOptions(vct = "urn:eudi:pid:1")
    val didUrl = SdJwtIssuer.DidUrl(issuer.verificationMethod())
    val garbage = listOf("", "{", "[]", "null", "~", "~~~", "a.b.c~", "e30.e30~", "💳", "x".repeat(10_000))
    for (g in garbage) {
        assertLommebokError<LommebokException.InvalidInput>("inspect $g") { inspectSdJwt(g) }
        assertLommebokError<LommebokException.InvalidInput>("claims $g") { issuer.issueSdJwt(g, emptyList(), good) }
        assertLommebokError<LommebokException.InvalidInput>("path $g") { issuer.issueSdJwt(PID_CLAIMS, listOf(g), good) }
        assertLommebokError<LommebokException.InvalidInput>("holder jwk $g") {
            issuer.issueSdJwt(PID_CLAIMS, emptyList(), SdJwtOptions(vct = "urn:x", holderKeyJwk = g))
        }
        assertLommebokError<LommebokException.InvalidInput>("valid_until $g") {
            issuer.issueSdJwt(PID_CLAIMS, emptyList(), SdJwtOptions(vct = "urn:x", validUntil = g))
        }
        assertLommebokError<LommebokException.InvalidInput>("present $g") { wallet.presentSdJwt(g, emptyList(), request) }
        assertLommebokError<LommebokException.InvalidInput>("present path $g") {
            wallet.presentSdJwt(sdJwt, listOf(g), request)
        }
        assertLommebokError<LommebokException.InvalidInput>("present without kb $g") {
            wallet.presentSdJwtWithoutKeyBinding(g, emptyList())
        }
        assertLommebokError<LommebokException.InvalidInput>("verify $g") { verifier.verifySdJwt(g, didUrl) }
        assertLommebokError<LommebokException.InvalidInput>("issuer jwk $g") {
            verifier.verifySdJwt(sdJwt, SdJwtIssuer.Jwk(g))
        }
    }
    for (options in listOf(
        SdJwtOptions(vct = ""),
        SdJwtOptions(vct = "urn:x", decoys = 101u),
        SdJwtOptions(vct = "urn:x", statusListUrl = TOKEN_LIST),
        SdJwtOptions(vct = "urn:x", statusCredentialId = "urn:x:1"),
    )) {
        assertLommebokError<LommebokException.InvalidInput>("options $options") {
            issuer.issueSdJwt(PID_CLAIMS, emptyList(), options)
        }
    }
    assertLommebokError<LommebokException.InvalidInput>("request without domain") {
        wallet.presentSdJwt(sdJwt, listOf("age_over_18"), PresentationRequest(challenge = "c"))
    }
    assertLommebokError<LommebokException.Status>("status without a registry") {
        issuePid(issuer, wallet, statusId = "urn:x:1")
    }
    assertLommebokError<LommebokException.Status>("token without a registry") {
        issuer.statusListToken(TOKEN_LIST, 3_600uL)
    }
    val registry = StatusRegistry.inMemory()
    registry.createList(TOKEN_LIST, StatusPurpose.REVOCATION)
    val withStatus = issuer.withStatus(registry, emptyList())
    for (seconds in listOf(0uL, ULong.MAX_VALUE)) {
        assertLommebokError<LommebokException.InvalidInput>("token for $seconds s") {
            withStatus.statusListToken(TOKEN_LIST, seconds)
        }
    }
    // A garbage Status List Token: a failed status check, not an error.
    val withEntry = issuePid(withStatus, wallet, statusId = "urn:uuid:g")
    for (g in garbage) {
        verifier.addStatusList(TOKEN_LIST, g)
        assertOnlyFailed(over18(withStatus, wallet, verifier, withEntry).report, CheckKind.STATUS)
    }
}
