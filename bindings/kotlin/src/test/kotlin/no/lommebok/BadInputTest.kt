// 4. Bad input gives a LommebokException the app can catch, and a forged, replayed or misdirected
// presentation gives a report with the failed check: never a crash of the app.

package no.lommebok

import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Inputs that are not credentials: broken JSON, other JSON, and a very large text. */
val GARBAGE = listOf(
    "",
    "{not json",
    "{\"@context\": [",
    "null",
    "[]",
    "42",
    "{}",
    "{\"type\": [\"VerifiableCredential\"]}",
    "\u0000\u0001\u0002",
    "{\"a\": " + "[".repeat(10_000) + "]".repeat(10_000) + "}",
)

fun malformedJsonToVerifyCredentialIsInvalidInput() {
    val verifier = Verifier()
    for (input in GARBAGE) {
        val error = assertLommebokError<LommebokException.InvalidInput>("verifyCredential(${input.take(20)})") {
            verifier.verifyCredential(input)
        }
        assertTrue(error.reason.isNotEmpty())
    }
    // A VCDM 1.1 credential is readable JSON, but not a credential lommebok verifies.
    assertLommebokError<LommebokException.InvalidInput>("a VCDM 1.1 credential") {
        verifier.verifyCredential(
            """{"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
               "issuer": "did:example:x", "issuanceDate": "2020-01-01T00:00:00Z",
               "credentialSubject": {"id": "did:example:y"}}""",
        )
    }
}

fun malformedJsonToVerifyPresentationIsInvalidInput() {
    val verifier = Verifier()
    for (input in GARBAGE) {
        val request = verifier.request(PHARMACY)
        assertLommebokError<LommebokException.InvalidInput>("verifyPresentation(${input.take(20)})") {
            verifier.verifyPresentation(input, request)
        }
    }
    // A credential is not a presentation.
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    assertLommebokError<LommebokException.InvalidInput>("a credential as presentation") {
        verifier.verifyPresentation(credentialFor(wallet.did()), verifier.request(PHARMACY))
    }
}

fun garbageToWalletStoreIsInvalidInputAndStoresNothing() {
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    for (input in GARBAGE) {
        assertLommebokError<LommebokException.InvalidInput>("store(${input.take(20)})") { wallet.store(input) }
    }
    assertEquals(emptyList(), wallet.credentials())
}

fun credentialAboutSomeoneElseIsRefusedByWalletStore() {
    val kari = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val ola = Wallet(SoftwareKey.generate(KeyAlgorithm.P256))
    val olasCredential = credentialFor(ola.did())
    val error = assertLommebokError<LommebokException.InvalidInput>("Kari stores Ola's credential") {
        kari.store(olasCredential)
    }
    assertTrue(error.reason.isNotEmpty())
    assertEquals(emptyList(), kari.credentials())
    ola.store(olasCredential)
    assertEquals(1, ola.credentials().size)
}

fun garbageToWalletPresentIsInvalidInput() {
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val request = Verifier().request(PHARMACY)
    for (input in GARBAGE) {
        assertLommebokError<LommebokException.InvalidInput>("present(${input.take(20)})") {
            wallet.present(listOf(credentialFor(wallet.did()), input), request)
        }
    }
}

fun garbageToIssuerIssueIsInvalidInput() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    for (input in GARBAGE) {
        assertLommebokError<LommebokException.InvalidInput>("issue(${input.take(20)})") { issuer.issue(input) }
    }
    // A term no context defines: the RDFC suite refuses to sign what it cannot canonicalize.
    val undefinedTerm = """
        {"@context": ["https://www.w3.org/ns/credentials/v2"],
         "type": ["VerifiableCredential", "ResidenceCredential"],
         "issuer": "${issuer.did()}", "credentialSubject": {"id": "did:example:kari"}}
    """.trimIndent()
    assertLommebokError<LommebokException.InvalidInput>("an undefined type") { issuer.issue(undefinedTerm) }
    // A context that is neither bundled nor registered (nothing is fetched).
    assertLommebokError<LommebokException.InvalidInput>("an unknown context") {
        issuer.issue(
            residenceCredential(issuer.did(), "did:example:kari")
                .replace("https://www.w3.org/ns/credentials/examples/v2", "https://unknown.example/context/v1"),
        )
    }
}

fun credentialNamingAnotherIssuerIsRefusedByIssue() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val other = SoftwareKey.generate(KeyAlgorithm.ED25519).did()
    val error = assertLommebokError<LommebokException.InvalidInput>("issue as someone else") {
        issuer.issue(residenceCredential(other, "did:example:kari"))
    }
    assertTrue(error.reason.isNotEmpty())
}

fun badDateToIssueAtIsInvalidInput() {
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val unsigned = residenceCredential(issuer.did(), "did:example:kari")
    for (date in listOf("", "now", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z")) {
        assertLommebokError<LommebokException.InvalidInput>("issueAt($date)") { issuer.issueAt(unsigned, date) }
    }
    // A good date: Ed25519 proofs are then deterministic.
    val first = issuer.issueAt(unsigned, "2026-01-01T00:00:00Z")
    assertEquals(first, issuer.issueAt(unsigned, "2026-01-01T00:00:00Z"))
    assertEquals("2026-01-01T00:00:00Z", jsonString(first, "created"))
}

fun garbageKeysAreInvalidInput() {
    for (json in listOf("", "{", "{}", "[]", """{"type": "Multikey"}""", """{"type": "Multikey", "secretKeyMultibase": "z123"}""")) {
        assertLommebokError<LommebokException.InvalidInput>("fromMultikeyJson($json)") { SoftwareKey.fromMultikeyJson(json) }
        assertLommebokError<LommebokException.InvalidInput>("fromPrivateJwk($json)") { SoftwareKey.fromPrivateJwk(json) }
    }
    // A Multikey document whose public key is not the secret's.
    val a = SoftwareKey.generate(KeyAlgorithm.ED25519)
    val b = SoftwareKey.generate(KeyAlgorithm.ED25519)
    val mixed = a.toMultikeyJson().replace(a.publicKeyMultibase(), b.publicKeyMultibase())
    assertLommebokError<LommebokException.InvalidInput>("a Multikey with another public key") { SoftwareKey.fromMultikeyJson(mixed) }

    for (algorithm in KeyAlgorithm.entries) {
        for (size in listOf(0, 31, 33, 64)) {
            val error = assertLommebokError<LommebokException.InvalidInput>("fromSecret($algorithm, $size bytes)") {
                SoftwareKey.fromSecret(algorithm, ByteArray(size) { 1 })
            }
            assertTrue(error.reason.isNotEmpty())
        }
    }
    // P-256 scalars must be in 1..n-1.
    for (scalar in listOf(ByteArray(32), unsigned32(P256_ORDER), ByteArray(32) { -1 })) {
        assertLommebokError<LommebokException.InvalidInput>("P-256 scalar ${scalar.take(2)}") {
            SoftwareKey.fromSecret(KeyAlgorithm.P256, scalar)
        }
    }
}

/** A wallet holding a fresh credential, and a pharmacy. */
private fun walletAndPharmacy(): Pair<Wallet, Verifier> {
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    wallet.store(credentialFor(wallet.did()))
    return wallet to Verifier()
}

fun replayedPresentationFailsChallenge() {
    val (wallet, pharmacy) = walletAndPharmacy()
    val request = pharmacy.request(PHARMACY)
    val presentation = wallet.present(wallet.credentials(), request)
    assertValid(pharmacy.verifyPresentation(presentation, request))
    // Someone who saw the presentation hands it in again: the challenge was single-use.
    val replay = pharmacy.verifyPresentation(presentation, request)
    val failed = assertOnlyFailed(replay, CheckKind.CHALLENGE).single()
    assertEquals("presentation", failed.target)
    // The signature itself is still good: only the challenge is what gives the replay away.
    replay.passed(CheckKind.PROOF, "presentation")
    replay.passed(CheckKind.DOMAIN, "presentation")
}

fun presentationForAnotherDomainFailsDomain() {
    val (wallet, pharmacy) = walletAndPharmacy()
    val request = pharmacy.request(PHARMACY)
    // A relay passes the pharmacy's challenge on with its own domain; the wallet signs for that.
    val relayed = request.copy(domain = "evil.example")
    val presentation = wallet.present(wallet.credentials(), relayed)
    assertEquals("evil.example", jsonString(presentation, "domain"))
    val report = pharmacy.verifyPresentation(presentation, request)
    val failed = assertOnlyFailed(report, CheckKind.DOMAIN).single()
    assertEquals("presentation", failed.target)
    assertTrue(failed.reason.contains(PHARMACY), failed.reason)
}

fun presentationWithoutDomainFailsDomain() {
    val (wallet, pharmacy) = walletAndPharmacy()
    val request = pharmacy.request(PHARMACY)
    val presentation = wallet.present(wallet.credentials(), PresentationRequest(request.challenge))
    assertOnlyFailed(pharmacy.verifyPresentation(presentation, request), CheckKind.DOMAIN)
}

fun challengeFromAnotherVerifierFailsChallenge() {
    val (wallet, pharmacy) = walletAndPharmacy()
    val elsewhere = Verifier().request(PHARMACY)
    val presentation = wallet.present(wallet.credentials(), elsewhere)
    // The pharmacy never handed out that challenge.
    val report = pharmacy.verifyPresentation(presentation, elsewhere)
    assertOnlyFailed(report, CheckKind.CHALLENGE)
    // And a made-up challenge fails the same way.
    val madeUp = PresentationRequest("made-up-challenge", PHARMACY)
    assertOnlyFailed(pharmacy.verifyPresentation(wallet.present(wallet.credentials(), madeUp), madeUp), CheckKind.CHALLENGE)
}

fun tamperedCredentialFailsProof() {
    val wallet = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val credential = credentialFor(wallet.did())
    val tampered = credential.replace("Kari Nordmann", "Ola Nordmann")
    assertTrue(tampered != credential)
    val report = Verifier().verifyCredential(tampered)
    val failed = assertOnlyFailed(report, CheckKind.PROOF).single()
    assertEquals("credential", failed.target)
    // In a presentation too: the wallet stores it (the wallet does not verify), the verifier refuses.
    wallet.store(tampered)
    val pharmacy = Verifier()
    val request = pharmacy.request(PHARMACY)
    val inPresentation = pharmacy.verifyPresentation(wallet.present(wallet.credentials(), request), request)
    assertEquals(listOf("credential[0]"), assertOnlyFailed(inPresentation, CheckKind.PROOF).map { it.target })
}

fun untrustedIssuerFailsTrustedIssuer() {
    val trusted = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val stranger = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val verifier = Verifier.withOptions(VerifierOptions(trustedIssuers = listOf(trusted.did())))
    val good = verifier.verifyCredential(trusted.issue(residenceCredential(trusted.did(), "did:example:kari")))
    assertValid(good)
    good.passed(CheckKind.TRUSTED_ISSUER, "credential")
    val bad = verifier.verifyCredential(stranger.issue(residenceCredential(stranger.did(), "did:example:kari")))
    val failed = assertOnlyFailed(bad, CheckKind.TRUSTED_ISSUER).single()
    assertTrue(failed.reason.contains(stranger.did()), failed.reason)
}

fun statusOperationsWithoutRegistryAreStatusErrors() {
    val plain = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    assertLommebokError<LommebokException.Status>("revoke without a registry") { plain.revoke("urn:uuid:1") }
    assertLommebokError<LommebokException.Status>("publish without a registry") {
        plain.statusListCredential(REVOCATIONS, 3_600uL)
    }
    val registry = StatusRegistry.inMemory()
    registry.createList(REVOCATIONS, StatusPurpose.REVOCATION)
    val issuer = plain.withStatus(registry, listOf(REVOCATIONS))
    assertLommebokError<LommebokException.Status>("revoke an unknown credential") { issuer.revoke("urn:uuid:unknown") }
    assertLommebokError<LommebokException.Status>("suspend without a suspension list") {
        issuer.suspend(credentialIdOf(issuer.issue(residenceCredential(issuer.did(), "did:example:kari"))))
    }
    assertLommebokError<LommebokException.Status>("publish an unknown list") {
        issuer.statusListCredential("https://tromso.kommune.example/status/other", 3_600uL)
    }
    assertLommebokError<LommebokException.InvalidInput>("a list URL that is not one") {
        registry.createList("not a url", StatusPurpose.REVOCATION)
    }
    assertLommebokError<LommebokException.InvalidInput>("a validity too long to represent") {
        issuer.statusListCredential(REVOCATIONS, ULong.MAX_VALUE)
    }
    assertEquals(emptyList(), registry.statusOf("urn:uuid:unknown"))
}

fun verifierOptionsOutOfRangeAreInvalidInput() {
    assertLommebokError<LommebokException.InvalidInput>("clock skew over a day") {
        Verifier.withOptions(VerifierOptions(clockSkewSeconds = 86_401u))
    }
    assertLommebokError<LommebokException.InvalidInput>("challenge lifetime over a day") {
        Verifier.withOptions(VerifierOptions(challengeTtlSeconds = UInt.MAX_VALUE))
    }
    assertLommebokError<LommebokException.InvalidInput>("a bad at_time") {
        Verifier.withOptions(VerifierOptions(atTime = "yesterday"))
    }
    // A credential that expired, seen by a verifier whose clock is past validUntil.
    val issuer = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val expiring = issuer.issue(
        residenceCredential(issuer.did(), "did:example:kari")
            .replace("\"issuer\":", "\"validUntil\": \"2030-01-01T00:00:00Z\", \"issuer\":"),
    )
    val later = Verifier.withOptions(VerifierOptions(atTime = "2031-01-01T00:00:00Z"))
    assertOnlyFailed(later.verifyCredential(expiring), CheckKind.VALIDITY_PERIOD)
    assertValid(Verifier.withOptions(VerifierOptions(atTime = "2029-01-01T00:00:00Z")).verifyCredential(expiring))
}
