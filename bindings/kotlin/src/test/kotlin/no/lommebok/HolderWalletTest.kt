// 8. The persistent wallet (HolderWallet), as an Android wallet app uses it: an encrypted SQLite
// file opened with the citizen's passphrase or a platform-held store key, credentials checked
// before they are kept, a verifier's DCQL query answered with the minimum, and the sealed
// activity log. Every presentation is checked by the verifier, not only by the wallet's state.

package no.lommebok

import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/** The passphrase Kari chose for her wallet. */
const val WALLET_PASSPHRASE = "korrekt hest batteri stift"

/** The vct of the person identification credential. */
const val PID_VCT = "urn:eudi:pid:1"

/** The expanded IRI of the residence credential's type (`type_values` hold expanded IRIs). */
const val RESIDENCE_TYPE_IRI = "https://www.w3.org/ns/credentials/examples#ResidenceCredential"

/** The pharmacy asks for `age_over_18` of a PID. */
val AGE_QUERY = """
    {"credentials": [{"id": "age", "format": "dc+sd-jwt",
      "meta": {"vct_values": ["$PID_VCT"]},
      "claims": [{"path": ["age_over_18"]}]}]}
""".trimIndent()

/** The municipality's office asks for the residence credential's municipality. */
val RESIDENCE_QUERY = """
    {"credentials": [{"id": "residence", "format": "ldp_vc",
      "meta": {"type_values": [["$RESIDENCE_TYPE_IRI"]]},
      "claims": [{"path": ["credentialSubject", "municipality"]}]}]}
""".trimIndent()

/** Both, the age either as `age_over_18` (preferred) or as the birthdate. */
val AGE_OR_BIRTHDATE_AND_RESIDENCE_QUERY = """
    {"credentials": [
      {"id": "age", "format": "dc+sd-jwt", "meta": {"vct_values": ["$PID_VCT"]},
       "claims": [{"id": "over18", "path": ["age_over_18"]}, {"id": "birth", "path": ["birthdate"]}],
       "claim_sets": [["over18"], ["birth"]]},
      {"id": "residence", "format": "ldp_vc", "meta": {"type_values": [["$RESIDENCE_TYPE_IRI"]]},
       "claims": [{"path": ["credentialSubject", "municipality"]}]}]}
""".trimIndent()

/** The wallet file in [dir]. */
fun walletFile(dir: File): String = File(dir, "wallet.db").path

/** Opens (or creates) the wallet in [dir] with [passphrase]. */
fun openHolderWallet(dir: File, passphrase: String = WALLET_PASSPHRASE, signer: Signer? = null): HolderWallet =
    HolderWallet.open(walletFile(dir), StoreKey.Passphrase(passphrase), signer)

/** A PID (SD-JWT VC, every claim disclosable) from [issuer], bound to the holder key [holderJwk]. */
fun issuePidTo(issuer: Issuer, holderJwk: String): String =
    issuer.issueSdJwt(PID_CLAIMS, PID_DISCLOSABLE, SdJwtOptions(vct = PID_VCT, holderKeyJwk = holderJwk))

/** Asserts that [result] is Imported, and returns what the wallet shows of it. */
fun assertImported(result: ImportResult): CredentialSummary =
    assertIs<ImportResult.Imported>(result, "expected Imported, got $result").credential

/** Asserts that [result] is Refused, and returns it. */
fun assertRefused(result: ImportResult): ImportResult.Refused {
    val refused = assertIs<ImportResult.Refused>(result, "expected Refused, got $result")
    assertTrue(refused.reason.isNotBlank(), "a refusal says why")
    return refused
}

/** The ids of the credentials held; asserts no record is damaged. */
fun HolderWallet.heldIds(): List<String> {
    val listing = list()
    assertEquals(emptyList(), listing.damaged, "damaged records")
    return listing.credentials.map { it.id }
}

/** What the wallet shows of the issuer's credentials after importing [residence] and [pid]. */
class HeldPair(val residence: CredentialSummary, val pid: CredentialSummary)

/** Imports a residence credential (issued to the wallet's DID) and a PID (bound to its key). */
fun importResidenceAndPid(wallet: HolderWallet, issuer: Issuer, verifier: Verifier): Triple<HeldPair, String, String> {
    val residenceText = issuer.issue(residenceCredential(issuer.did(), wallet.did()))
    val pidText = issuePidTo(issuer, wallet.publicKeyJwk())
    val residence = assertImported(wallet.importCredential(residenceText, verifier))
    val pid = assertImported(wallet.importCredential(pidText, verifier, SdJwtIssuer.DidUrl(issuer.verificationMethod())))
    return Triple(HeldPair(residence, pid), residenceText, pidText)
}

/** The claims a verifier saw in a verified SD-JWT presentation. */
fun verifiedClaims(verification: SdJwtVerification): Map<String, Any?> {
    assertValid(verification.report)
    return jsonObject(assertNotNull(verification.claimsJson, "claims of a valid presentation"))
}

fun holderWalletAppFlowShowsTheVerifierOnlyAgeOver18AfterReopening() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacy = Verifier()
    val issuerKey = SdJwtIssuer.DidUrl(municipality.verificationMethod())

    // First start: the app creates the wallet; it makes its own software holder key.
    val (did, jwk, residenceId, pidId) = openHolderWallet(dir).use { wallet ->
        assertTrue(wallet.hasSoftwareKey())
        assertTrue(wallet.did().startsWith("did:key:z6Mk"), wallet.did())
        assertEquals("OKP", jsonString(wallet.publicKeyJwk(), "kty"))
        val (imported, _, _) = importResidenceAndPid(wallet, municipality, pharmacy)
        assertEquals(CredentialFormat.DATA_INTEGRITY, imported.residence.format)
        assertTrue("ResidenceCredential" in imported.residence.types, imported.residence.types.toString())
        assertEquals(municipality.did(), imported.residence.issuer)
        assertEquals(CredentialFormat.SD_JWT, imported.pid.format)
        assertEquals(listOf(PID_VCT), imported.pid.types)
        listOf(wallet.did(), wallet.publicKeyJwk(), imported.residence.id, imported.pid.id)
    }
    assertTrue(File(walletFile(dir)).length() > 0, "the wallet file was written")
    for (file in dir.listFiles().orEmpty()) {
        val bytes = file.readBytes().toString(Charsets.ISO_8859_1)
        assertFalse(bytes.contains("Nordmann"), "${file.name} holds a credential in clear")
    }

    // The app restarts: same file, same passphrase, same holder, same credentials.
    val wallet = openHolderWallet(dir)
    assertEquals(did, wallet.did())
    assertEquals(jwk, wallet.publicKeyJwk())
    assertEquals(listOf(residenceId, pidId).sorted(), wallet.heldIds().sorted())

    // The pharmacy's request arrives: the consent screen shows what would leave the phone.
    val answers = wallet.answers(AGE_QUERY)
    assertTrue(answers.satisfiable)
    assertEquals(listOf("age"), answers.queries.map { it.queryId })
    val candidate = answers.queries.single().candidates.single()
    assertEquals(pidId, candidate.credential.id, "the PID answers, not the residence credential")
    val way = candidate.ways.single()
    assertNull(way.claimSet)
    assertEquals(listOf("age_over_18"), way.requested)
    val released = assertIs<Released.Disclosed>(way.released)
    assertEquals(listOf("age_over_18"), released.claims)
    for (hidden in PID_HIDDEN) assertFalse(hidden in released.alwaysVisible, "$hidden always visible")
    assertEquals(listOf(Choice("age", pidId, null)), answers.defaultChoices)

    // Kari agrees; the app sends the vp_token.
    val request = pharmacy.request(PHARMACY_AUD)
    val made = wallet.present(AGE_QUERY, answers.defaultChoices, request, "Apotek Nord")
    val presented = made.presentations.single()
    assertEquals("age", presented.queryId)
    assertEquals(pidId, presented.heldId)
    assertEquals(CredentialFormat.SD_JWT, presented.format)
    assertEquals(mapOf("age" to listOf(presented.presentation)), jsonObject(made.vpToken))

    // The pharmacy verifies what it received: age_over_18, and nothing else about Kari.
    val verification = pharmacy.verifySdJwt(presented.presentation, issuerKey, request)
    verification.report.passed(CheckKind.KEY_BINDING, "presentation")
    val claims = verifiedClaims(verification)
    assertEquals(true, claims["age_over_18"], claims.toString())
    assertEquals(PID_VCT, claims["vct"])
    for (hidden in PID_HIDDEN) assertFalse(hidden in claims, "$hidden reached the pharmacy: $claims")

    // The activity log: one entry, naming the pharmacy and what left the phone.
    val log = wallet.activity()
    assertEquals(emptyList(), log.damaged)
    val entry = log.entries.single()
    assertEquals(presented.activityId, entry.id)
    assertEquals("Apotek Nord", entry.verifier)
    assertEquals(PHARMACY_AUD, entry.domain)
    assertEquals("age", entry.queryId)
    assertEquals(pidId, entry.credentialId)
    assertEquals(CredentialFormat.SD_JWT, entry.format)
    assertEquals(listOf(PID_VCT), entry.credentialTypes)
    assertEquals(way.released, entry.released)
    assertTrue(entry.at.matches(Regex("""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*Z""")), entry.at)

    // The export for Kari: JSON, with the same entry.
    val exported = parseJson(wallet.activityJson())
    assertIs<List<*>>(exported, "the activity log exports as a JSON array")
    val exportedEntry = assertIs<Map<*, *>>(exported.single())
    assertEquals("Apotek Nord", exportedEntry["verifier"])
    assertEquals(presented.activityId, exportedEntry["id"])
    assertTrue(wallet.activityJson().contains("age_over_18"))
    wallet.close()

    // The log is kept in the file too.
    openHolderWallet(dir).use { again -> assertEquals(listOf(entry), again.activity().entries) }
}

fun dataIntegrityAnswerReleasesTheWholeCredentialAndItsPresentationCannotBeReplayed() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val office = Verifier()
    openHolderWallet(dir).use { wallet ->
        val (imported, _, _) = importResidenceAndPid(wallet, municipality, office)
        val answers = wallet.answers(RESIDENCE_QUERY)
        assertTrue(answers.satisfiable)
        val candidate = answers.queries.single().candidates.single()
        assertEquals(imported.residence.id, candidate.credential.id, "the residence credential answers, not the PID")
        val way = candidate.ways.single()
        assertEquals(listOf("credentialSubject.municipality"), way.requested)
        // A Data Integrity credential cannot be cut: the consent screen must say all of it goes.
        val released = assertIs<Released.WholeCredential>(way.released)
        assertEquals(
            setOf("credentialSubject.id", "credentialSubject.name", "credentialSubject.municipality"),
            released.claims.toSet(),
        )

        val request = office.request(PHARMACY)
        val made = wallet.present(RESIDENCE_QUERY, answers.defaultChoices, request, "Tromsø kommune")
        val presented = made.presentations.single()
        assertEquals(CredentialFormat.DATA_INTEGRITY, presented.format)
        val vp = presented.presentation
        // In the vp_token a Data Integrity presentation is the JSON object itself.
        assertEquals(mapOf("residence" to listOf(jsonObject(vp))), jsonObject(made.vpToken))

        // The signature the wallet made: its own key, on the office's challenge and domain.
        val proof = assertIs<Map<*, *>>(jsonObject(vp)["proof"], "the presentation's proof")
        assertEquals("authentication", proof["proofPurpose"])
        assertEquals(request.challenge, proof["challenge"])
        assertEquals(PHARMACY, proof["domain"])
        assertTrue((proof["verificationMethod"] as String).startsWith(wallet.did() + "#"), proof.toString())

        val report = office.verifyPresentation(vp, request)
        assertValid(report)
        report.passed(CheckKind.PROOF, "presentation")
        report.passed(CheckKind.CHALLENGE, "presentation")
        assertTrue(report.passed(CheckKind.HOLDER_KEY, "presentation").reason.contains(wallet.did()))
        report.passed(CheckKind.HOLDER_BINDING, "credential[0]")
        assertTrue(report.passed(CheckKind.ISSUER_KEY, "credential[0]").reason.contains(municipality.did()))

        // Someone who saw it hands it in again: the challenge is used up, the signature still good.
        val replay = office.verifyPresentation(vp, request)
        val failed = assertOnlyFailed(replay, CheckKind.CHALLENGE).single()
        assertEquals("presentation", failed.target)
        replay.passed(CheckKind.PROOF, "presentation")

        val entry = wallet.activity().entries.single()
        assertEquals("Tromsø kommune", entry.verifier)
        assertEquals(PHARMACY, entry.domain)
        assertEquals(imported.residence.id, entry.credentialId)
        assertEquals(municipality.did(), entry.issuer)
        assertEquals(released, entry.released)
    }
}

fun choicesThatDoNotAnswerTheQueryAreRefusedAndLogNothing() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacy = Verifier()
    openHolderWallet(dir).use { wallet ->
        val (imported, _, _) = importResidenceAndPid(wallet, municipality, pharmacy)
        val residenceId = imported.residence.id
        val pidId = imported.pid.id
        val query = AGE_OR_BIRTHDATE_AND_RESIDENCE_QUERY

        val answers = wallet.answers(query)
        assertTrue(answers.satisfiable)
        assertEquals(listOf("age", "residence"), answers.queries.map { it.queryId })
        val ways = answers.queries[0].candidates.single().ways
        assertEquals(listOf<UInt?>(0u, 1u), ways.map { it.claimSet }, "both claim sets, the preferred first")
        assertEquals(listOf("age_over_18"), assertIs<Released.Disclosed>(ways[0].released).claims)
        assertEquals(listOf("birthdate"), assertIs<Released.Disclosed>(ways[1].released).claims)
        assertEquals(
            listOf(Choice("age", pidId, 0u), Choice("residence", residenceId, null)),
            answers.defaultChoices,
        )

        val residenceChoice = Choice("residence", residenceId, null)
        val wrong = mapOf(
            "the residence credential for the SD-JWT query" to
                listOf(Choice("age", residenceId, 0u), residenceChoice),
            "a credential the wallet does not hold" to
                listOf(Choice("age", "urn:uuid:no-such-credential", 0u), residenceChoice),
            "a claim set the query does not have" to listOf(Choice("age", pidId, 2u), residenceChoice),
            "a query that is not in the request" to
                listOf(Choice("age", pidId, 0u), residenceChoice, Choice("address", pidId, null)),
            "the residence query left out" to listOf(Choice("age", pidId, 0u)),
            "the age query answered twice" to
                listOf(Choice("age", pidId, 0u), Choice("age", pidId, 1u), residenceChoice),
            "nothing" to emptyList(),
        )
        for ((what, choices) in wrong) {
            val request = pharmacy.request(PHARMACY_AUD)
            val error = assertLommebokError<LommebokException.InvalidInput>(what) {
                wallet.present(query, choices, request, "Apotek Nord")
            }
            assertTrue(error.reason.isNotBlank())
            assertEquals(emptyList(), wallet.activity().entries, "$what was logged")
        }
        // An SD-JWT needs the request's domain for its Key Binding JWT.
        assertLommebokError<LommebokException.InvalidInput>("a request without a domain") {
            wallet.present(query, answers.defaultChoices, pharmacy.request(null), "Apotek Nord")
        }
        assertEquals(emptyList(), wallet.activity().entries, "a request without a domain was logged")

        // Kari picks the second way: the birthdate, not age_over_18, reaches the pharmacy.
        val request = pharmacy.request(PHARMACY_AUD)
        val made = wallet.present(query, listOf(Choice("age", pidId, 1u), residenceChoice), request, "Apotek Nord")
        assertEquals(listOf("age", "residence"), made.presentations.map { it.queryId })
        val claims = verifiedClaims(
            pharmacy.verifySdJwt(made.presentations[0].presentation, SdJwtIssuer.DidUrl(municipality.verificationMethod()), request),
        )
        assertEquals("1990-02-03", claims["birthdate"])
        assertFalse("age_over_18" in claims, "age_over_18 was disclosed too: $claims")
        // A Verifier takes a request's challenge once, whatever the outcome: of this two-presentation
        // response only the first verifies against the request, so the VP is checked for its challenge.
        assertEquals(request.challenge, jsonString(made.presentations[1].presentation, "challenge"))
        assertEquals(
            made.presentations.map { it.activityId },
            wallet.activity().entries.map { it.id },
            "one entry per presentation, in order",
        )
    }
}

fun wrongStoreKeysAndFilesThatAreNotStoresAreTheirOwnErrors() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val (did, residenceText) = openHolderWallet(dir).use { wallet ->
        val text = municipality.issue(residenceCredential(municipality.did(), wallet.did()))
        assertImported(wallet.importCredential(text, Verifier()))
        wallet.did() to text
    }
    val error = assertLommebokError<LommebokException.WrongKey>("a wrong passphrase") {
        openHolderWallet(dir, passphrase = "korrekt hest batteri")
    }
    assertTrue(error.reason.isNotBlank())
    assertLommebokError<LommebokException.WrongKey>("a raw key for a passphrase store") {
        HolderWallet.open(walletFile(dir), StoreKey.Key(ByteArray(32) { 7 }))
    }
    // The wrong keys changed nothing: the right passphrase still opens it, all there.
    openHolderWallet(dir).use { wallet ->
        assertEquals(did, wallet.did())
        val id = wallet.heldIds().single()
        assertEquals(residenceText, wallet.export(id))
    }

    // A store key kept by the platform keystore: exactly 32 bytes.
    val keyed = File(dir, "keyed.db").path
    for (size in listOf(0, 16, 31, 33, 64)) {
        assertLommebokError<LommebokException.InvalidInput>("a $size-byte store key") {
            HolderWallet.open(keyed, StoreKey.Key(ByteArray(size) { 7 }))
        }
    }
    assertFalse(File(keyed).exists() && File(keyed).length() > 0, "a refused key made no store")
    val keyedDid = HolderWallet.open(keyed, StoreKey.Key(ByteArray(32) { 7 })).use { it.did() }
    assertLommebokError<LommebokException.WrongKey>("another 32-byte key") {
        HolderWallet.open(keyed, StoreKey.Key(ByteArray(32) { 8 }))
    }
    assertEquals(keyedDid, HolderWallet.open(keyed, StoreKey.Key(ByteArray(32) { 7 })).use { it.did() })

    // A file that is not a wallet store (the app picked the wrong one): Storage, left as it was.
    val notes = File(dir, "notes.txt")
    val text = "This is not a database, just some notes long enough to look like a file.\n".repeat(20)
    notes.writeText(text)
    val storage = assertLommebokError<LommebokException.Storage>("a text file") {
        HolderWallet.open(notes.path, StoreKey.Passphrase(WALLET_PASSPHRASE))
    }
    assertTrue(storage.reason.isNotBlank())
    assertEquals(text, notes.readText(), "the file was not changed")
    // Another SQLite database, not a wallet store.
    val statusDb = File(dir, "status.sqlite").path
    StatusRegistry.openSqlite(statusDb).use { it.createList(REVOCATIONS, StatusPurpose.REVOCATION) }
    assertLommebokError<LommebokException.Storage>("a status list database") {
        HolderWallet.open(statusDb, StoreKey.Passphrase(WALLET_PASSPHRASE))
    }
    Unit
}

fun forgedForeignAndGarbageCredentialsAreRefusedAndNothingIsKept() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val issuerKey = SdJwtIssuer.DidUrl(municipality.verificationMethod())
    val verifier = Verifier()
    openHolderWallet(dir).use { wallet ->
        // A forged claim: the proof no longer holds.
        val genuine = municipality.issue(residenceCredential(municipality.did(), wallet.did()))
        val forged = genuine.replace("Tromsø", "Oslo")
        assertTrue(forged != genuine)
        val refusedForged = assertRefused(wallet.importCredential(forged, verifier))
        val report = assertNotNull(refusedForged.report, "a forged credential was verified")
        assertFalse(report.valid)
        assertEquals(listOf("credential"), assertOnlyFailed(report, CheckKind.PROOF).map { it.target })

        // An SD-JWT signed by someone else than the issuer the app trusts for it.
        val impostor = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
        val refusedSdJwt = assertRefused(wallet.importCredential(issuePidTo(impostor, wallet.publicKeyJwk()), verifier, issuerKey))
        assertFalse(assertNotNull(refusedSdJwt.report).valid)

        // Genuine, but about someone else: refused without a report.
        val theirs = municipality.issue(residenceCredential(municipality.did(), "did:example:ola"))
        assertNull(assertRefused(wallet.importCredential(theirs, verifier)).report)
        val otherKey = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519)).publicKeyJwk()
        assertNull(assertRefused(wallet.importCredential(issuePidTo(municipality, otherKey), verifier, issuerKey)).report)

        // Not a credential at all.
        for (garbage in listOf("", " ", "{", "{not json", "[]", "null", "~", "a.b.c~", "💳", "x".repeat(10_000))) {
            assertLommebokError<LommebokException.InvalidInput>("import of $garbage") {
                wallet.importCredential(garbage, verifier, issuerKey)
            }
        }
        // An SD-JWT without saying whom to trust for it.
        assertLommebokError<LommebokException.InvalidInput>("an SD-JWT without its issuer") {
            wallet.importCredential(issuePidTo(municipality, wallet.publicKeyJwk()), verifier)
        }

        assertEquals(emptyList(), wallet.heldIds(), "a refused credential was kept")
        val answers = wallet.answers(AGE_QUERY)
        assertFalse(answers.satisfiable)
        assertEquals(emptyList(), answers.defaultChoices)
        assertEquals(emptyList(), answers.queries.single().candidates)
        assertLommebokError<LommebokException.InvalidInput>("presenting from an empty wallet") {
            wallet.present(AGE_QUERY, listOf(Choice("age", "urn:uuid:x", null)), verifier.request(PHARMACY_AUD), "Apotek")
        }
        assertEquals(emptyList(), wallet.activity().entries)
        assertLommebokError<LommebokException.InvalidInput>("a query that is not DCQL") { wallet.answers("[]") }
    }
    // Still nothing after reopening.
    openHolderWallet(dir).use { assertEquals(emptyList(), it.heldIds()) }
}

fun platformSignerIsTheHolderKeyAndIsNeededToReopen() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacy = Verifier()
    val signer = JdkSigner(SignatureForm.DER)
    val (residenceId, pidId) = openHolderWallet(dir, signer = signer).use { wallet ->
        assertFalse(wallet.hasSoftwareKey())
        assertEquals(signer.expectedDid, wallet.did(), "the wallet's DID is the platform key's")
        assertEquals("P-256", jsonString(wallet.publicKeyJwk(), "crv"))
        val (imported, _, _) = importResidenceAndPid(wallet, municipality, pharmacy)
        imported.residence.id to imported.pid.id
    }
    assertTrue(signer.signatures.isEmpty(), "opening and importing sign nothing")

    // Reopened with the same platform key: it presents with it, and the verifiers accept.
    openHolderWallet(dir, signer = signer).use { wallet ->
        assertEquals(signer.expectedDid, wallet.did())
        val request = pharmacy.request(PHARMACY)
        val vp = wallet.present(
            RESIDENCE_QUERY, listOf(Choice("residence", residenceId, null)), request, "Tromsø kommune",
        ).presentations.single().presentation
        val report = pharmacy.verifyPresentation(vp, request)
        assertValid(report)
        assertTrue(report.passed(CheckKind.HOLDER_KEY, "presentation").reason.contains(signer.expectedDid))
        val proof = assertIs<Map<*, *>>(jsonObject(vp)["proof"])
        assertEquals("ecdsa-rdfc-2019", proof["cryptosuite"], "the P-256 key's suite")
        assertEquals(1, signer.signatures.size, "the presentation is signed by the platform key")

        val ageRequest = pharmacy.request(PHARMACY_AUD)
        val sdJwt = wallet.present(AGE_QUERY, listOf(Choice("age", pidId, null)), ageRequest, "Apotek Nord")
            .presentations.single().presentation
        val verification = pharmacy.verifySdJwt(sdJwt, SdJwtIssuer.DidUrl(municipality.verificationMethod()), ageRequest)
        verification.report.passed(CheckKind.KEY_BINDING, "presentation")
        assertEquals(true, verifiedClaims(verification)["age_over_18"])
        assertEquals(2, signer.signatures.size, "the Key Binding JWT is signed by the platform key")
    }

    // Without the platform key, or with another one, the wallet does not open.
    assertLommebokError<LommebokException.InvalidInput>("reopening without the platform key") {
        openHolderWallet(dir)
    }
    assertLommebokError<LommebokException.InvalidInput>("reopening with another platform key") {
        openHolderWallet(dir, signer = JdkSigner(SignatureForm.DER))
    }
    // A wallet made with its own software key does not take a platform key later either.
    val softwareDir = File(dir, "software").apply { mkdirs() }
    openHolderWallet(softwareDir).close()
    assertLommebokError<LommebokException.InvalidInput>("a platform key for a software-key wallet") {
        openHolderWallet(softwareDir, signer = JdkSigner(SignatureForm.DER))
    }
    // None of that changed the store.
    openHolderWallet(dir, signer = signer).use { wallet ->
        assertEquals(listOf(residenceId, pidId).sorted(), wallet.heldIds().sorted())
        assertEquals(2, wallet.activity().entries.size)
    }
}

fun exportGivesTheIssuedTextAndDeleteRemovesOnlyThatCredential() = withTempDir { dir ->
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val pharmacy = Verifier()
    val residenceId = openHolderWallet(dir).use { wallet ->
        val (imported, residenceText, pidText) = importResidenceAndPid(wallet, municipality, pharmacy)
        assertEquals(residenceText, wallet.export(imported.residence.id))
        assertEquals(pidText, wallet.export(imported.pid.id), "the SD-JWT with every disclosure")
        assertEquals(PID_DISCLOSABLE.toSet(), inspectSdJwt(wallet.export(imported.pid.id)).disclosable.toSet())

        // Present the PID once, then delete it.
        val request = pharmacy.request(PHARMACY_AUD)
        wallet.present(AGE_QUERY, listOf(Choice("age", imported.pid.id, null)), request, "Apotek Nord")
        assertTrue(wallet.delete(imported.pid.id))
        assertFalse(wallet.delete(imported.pid.id), "deleted twice")
        assertFalse(wallet.delete("urn:uuid:never-held"))
        assertEquals(listOf(imported.residence.id), wallet.heldIds())
        assertLommebokError<LommebokException.InvalidInput>("export of a deleted credential") {
            wallet.export(imported.pid.id)
        }
        assertFalse(wallet.answers(AGE_QUERY).satisfiable, "a deleted credential still answers")
        assertLommebokError<LommebokException.InvalidInput>("presenting a deleted credential") {
            wallet.present(AGE_QUERY, listOf(Choice("age", imported.pid.id, null)), pharmacy.request(PHARMACY_AUD), "Apotek")
        }
        // Its activity entry stays.
        assertEquals(listOf(imported.pid.id), wallet.activity().entries.map { it.credentialId })
        assertTrue(wallet.answers(RESIDENCE_QUERY).satisfiable, "the other credential still answers")
        imported.residence.id
    }
    // After reopening: still gone, the other still there.
    openHolderWallet(dir).use { wallet ->
        assertEquals(listOf(residenceId), wallet.heldIds())
        assertTrue(wallet.delete(residenceId))
        assertEquals(emptyList(), wallet.heldIds())
        assertEquals(1, wallet.activity().entries.size)
    }
}
