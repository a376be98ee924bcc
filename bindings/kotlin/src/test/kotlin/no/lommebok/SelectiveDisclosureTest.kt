// 10. Selective disclosure with ecdsa-sd-2023 (Data Integrity): the municipality issues a
// residence credential with a base proof; the holder's wallet presents a credential derived from
// it that discloses only what the verifier asks for and the issuer's mandatory claims. Every
// test checks what the verifier receives (the VP's JSON and its report).

package no.lommebok

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** The residence credential's type as written. */
private const val SD_RESIDENCE_TYPE = "ExampleResidenceCredential"

/** What the examples context's @vocab expands it to (OpenID4VP B.1.1 `type_values` want IRIs). */
private const val SD_RESIDENCE_TYPE_IRI = "https://www.w3.org/ns/credentials/examples#ExampleResidenceCredential"
private const val KARI_BIRTH_DATE = "1990-05-17"
private const val KARI_MUNICIPALITY = "Tromsø"

/** The pharmacy asks for the birth date from a residence credential, and nothing else. */
private fun birthDateQuery(typeValue: String = SD_RESIDENCE_TYPE_IRI) = """
    {"credentials": [{"id": "residence", "format": "ldp_vc",
      "meta": {"type_values": [["$typeValue"]]},
      "claims": [{"path": ["credentialSubject", "birthDate"]}]}]}
""".trimIndent()

/** The municipality: a P-256 key, ecdsa-sd-2023, its own name for the municipality mandatory. */
private fun sdMunicipality(): Issuer =
    Issuer(SoftwareKey.generate(KeyAlgorithm.P256))
        .withCryptosuite(Cryptosuite.ECDSA_SD2023)
        .withMandatoryPointers(listOf("/credentialSubject/municipality"))

/** An unsigned residence credential about [holderDid] with name, birth date, municipality, address. */
private fun sdResidence(issuerDid: String, holderDid: String) = """
    {"@context": ["https://www.w3.org/ns/credentials/v2",
                  "https://www.w3.org/ns/credentials/examples/v2"],
     "type": ["VerifiableCredential", "$SD_RESIDENCE_TYPE"],
     "issuer": "$issuerDid",
     "credentialSubject": {"id": "$holderDid", "name": "Kari Nordmann",
       "birthDate": "$KARI_BIRTH_DATE", "municipality": "$KARI_MUNICIPALITY",
       "address": "Storgata 1, 9008 Tromsø"}}
""".trimIndent()

/** The one credential of a VP, as the verifier receives it. */
@Suppress("UNCHECKED_CAST")
private fun presentedCredential(vp: Map<String, Any?>): Map<String, Any?> {
    val credentials = vp["verifiableCredential"]
    val list = credentials as? List<Any?> ?: listOf(credentials)
    assertEquals(1, list.size, "credentials in the VP")
    return list[0] as Map<String, Any?>
}

@Suppress("UNCHECKED_CAST")
private fun subjectOf(credential: Map<String, Any?>): Map<String, Any?> =
    credential["credentialSubject"] as Map<String, Any?>

/** The targets of the failed checks of [kind]. */
private fun VerificationReport.failedTargets(kind: CheckKind): List<String> =
    failures().filter { it.second == kind }.map { it.first }.sorted()

fun municipalityIssuesSelectiveResidenceAndPharmacySeesOnlyBirthDateAndMandatory() = withTempDir { dir ->
    val municipality = sdMunicipality()
    val pharmacy = Verifier()
    openHolderWallet(dir).use { wallet ->
        val issued = municipality.issue(sdResidence(municipality.did(), wallet.did()))
        assertEquals("ecdsa-sd-2023", jsonString(issued, "cryptosuite"))
        val held = assertImported(wallet.importCredential(issued, pharmacy))
        assertEquals(CredentialFormat.DATA_INTEGRITY, held.format)
        assertEquals(municipality.did(), held.issuer)

        // The consent screen: birthDate, and the mandatory claims (the municipality among them).
        val query = birthDateQuery()
        val answers = wallet.answers(query)
        assertTrue(answers.satisfiable)
        val candidate = answers.queries.single().candidates.single()
        assertEquals(held.id, candidate.credential.id)
        val released = assertIs<Released.Selective>(candidate.ways.single().released)
        assertEquals(listOf("credentialSubject.birthDate"), released.disclosed)
        assertEquals(
            listOf("credentialSubject.id", "credentialSubject.municipality", "issuer", "type"),
            released.mandatory,
        )
        assertEquals(listOf(Choice("residence", held.id, null)), answers.defaultChoices)

        val request = pharmacy.request(PHARMACY_AUD)
        val made = wallet.present(query, answers.defaultChoices, request, PHARMACY_NAME)
        val presented = made.presentations.single()
        assertEquals(held.id, presented.heldId)
        val vpText = presented.presentation
        assertEquals(mapOf("residence" to listOf(jsonObject(vpText))), jsonObject(made.vpToken))

        // What the pharmacy receives: a VP it accepts, whose credential holds only what was released.
        assertValid(pharmacy.verifyPresentation(vpText, request))
        val credential = presentedCredential(jsonObject(vpText))
        assertEquals(municipality.did(), credential["issuer"])
        assertEquals(listOf("VerifiableCredential", SD_RESIDENCE_TYPE), credential["type"])
        assertEquals(
            mapOf("id" to wallet.did(), "birthDate" to KARI_BIRTH_DATE, "municipality" to KARI_MUNICIPALITY),
            subjectOf(credential),
        )
        for (hidden in listOf("Kari", "Nordmann", "Storgata")) {
            assertFalse(vpText.contains(hidden), "$hidden left the phone")
        }

        // The log records the selective release.
        val log = wallet.activity()
        assertEquals(emptyList(), log.damaged)
        val entry = log.entries.single()
        assertEquals(presented.activityId, entry.id)
        assertEquals(PHARMACY_NAME, entry.verifier)
        assertEquals(held.id, entry.credentialId)
        assertEquals(released, entry.released)
        assertTrue(wallet.activityJson().contains("\"selective\""), wallet.activityJson())
    }
}

fun typeValuesMatchTheTypeNameAsWrittenToo() = withTempDir { dir ->
    val municipality = sdMunicipality()
    openHolderWallet(dir).use { wallet ->
        assertImported(wallet.importCredential(municipality.issue(sdResidence(municipality.did(), wallet.did())), Verifier()))
        val answers = wallet.answers(birthDateQuery(SD_RESIDENCE_TYPE))
        assertTrue(answers.satisfiable)
        val released = assertIs<Released.Selective>(answers.queries.single().candidates.single().ways.single().released)
        assertEquals(listOf("credentialSubject.birthDate"), released.disclosed)
    }
}

fun baseProofGivenStraightToAVerifierIsRefused() {
    val municipality = sdMunicipality()
    val holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val issued = municipality.issue(sdResidence(municipality.did(), holder.did()))
    val pharmacy = Verifier()

    val report = pharmacy.verifyCredential(issued)
    val failed = assertOnlyFailed(report, CheckKind.PROOF).single()
    assertTrue(failed.reason.contains("base proof is for the holder"), report.describe())

    // Presented whole in a VP, it is refused as well.
    val request = pharmacy.request(PHARMACY_AUD)
    val inVp = pharmacy.verifyPresentation(holder.present(listOf(issued), request), request)
    assertFalse(inVp.valid, inVp.describe())
    assertTrue(inVp.failures().any { it.third.contains("base proof is for the holder") }, inVp.describe())
}

fun presentSelectiveShowsExactlyTheChosenAndMandatoryClaims() {
    val municipality = sdMunicipality()
    val holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val issued = municipality.issue(sdResidence(municipality.did(), holder.did()))
    val pharmacy = Verifier()

    val request = pharmacy.request(PHARMACY_AUD)
    val vp = holder.presentSelective(issued, listOf("/credentialSubject/name", "/credentialSubject/birthDate"), request)
    assertValid(pharmacy.verifyPresentation(vp, request))
    assertEquals(
        mapOf(
            "id" to holder.did(), "name" to "Kari Nordmann",
            "birthDate" to KARI_BIRTH_DATE, "municipality" to KARI_MUNICIPALITY,
        ),
        subjectOf(presentedCredential(jsonObject(vp))),
    )
    assertFalse(vp.contains("Storgata"), "the address left the phone")

    // Nothing chosen: the mandatory claims alone.
    val bare = pharmacy.request(null)
    val mandatoryOnly = holder.presentSelective(issued, emptyList(), bare)
    assertValid(pharmacy.verifyPresentation(mandatoryOnly, bare))
    assertEquals(
        mapOf("id" to holder.did(), "municipality" to KARI_MUNICIPALITY),
        subjectOf(presentedCredential(jsonObject(mandatoryOnly))),
    )
}

@Suppress("UNCHECKED_CAST")
fun tamperedDerivedBirthDateFailsVerification() {
    val municipality = sdMunicipality()
    val holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val issued = municipality.issue(sdResidence(municipality.did(), holder.did()))
    val pharmacy = Verifier()
    val request = pharmacy.request(PHARMACY_AUD)
    val vp = holder.presentSelective(issued, listOf("/credentialSubject/birthDate"), request)
    assertValid(pharmacy.verifyPresentation(vp, request))

    // Kari makes herself younger in the VP's JSON.
    val vpJson = jsonObject(vp).toMutableMap()
    val derived = presentedCredential(vpJson).toMutableMap()
    assertEquals(KARI_BIRTH_DATE, subjectOf(derived)["birthDate"])
    derived["credentialSubject"] = subjectOf(derived) + ("birthDate" to "2010-05-17")
    vpJson["verifiableCredential"] = listOf(derived)
    val report = pharmacy.verifyPresentation(toJsonText(vpJson), request)
    assertFalse(report.valid, report.describe())
    // The holder's signature covers the VP, the issuer's derived proof the credential.
    assertEquals(listOf("credential[0]", "presentation"), report.failedTargets(CheckKind.PROOF), report.describe())

    // Re-presented in a VP the holder signs anew: only the credential's proof fails.
    val again = pharmacy.request(PHARMACY_AUD)
    val resigned = pharmacy.verifyPresentation(holder.present(listOf(toJsonText(derived)), again), again)
    assertEquals(
        listOf("credential[0]" to CheckKind.PROOF),
        resigned.failures().map { it.first to it.second },
        resigned.describe(),
    )
}

fun garbageToPresentSelectiveIsInvalidInput() {
    val municipality = sdMunicipality()
    val holder = Wallet(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val issued = municipality.issue(sdResidence(municipality.did(), holder.did()))
    val request = Verifier().request(null)

    val badPointers = listOf(
        listOf("credentialSubject/birthDate"), // not a JSON pointer
        listOf("/credentialSubject/shoeSize"), // selects nothing
        listOf("/credentialSubject/birthDate/~9"), // a bad escape
        listOf("\u0000"),
    )
    for (pointers in badPointers) {
        assertLommebokError<LommebokException.InvalidInput>("pointers $pointers") {
            holder.presentSelective(issued, pointers, request)
        }
    }

    // No base proof to derive from: garbage, an unsigned credential, an eddsa-signed one.
    val eddsa = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    val eddsaSigned = eddsa.issue(sdResidence(eddsa.did(), holder.did()))
    val garbage = listOf(
        "", "{not json", "[]", "null", """{"a": 1}""",
        sdResidence(municipality.did(), holder.did()), eddsaSigned,
    )
    for (text in garbage) {
        assertLommebokError<LommebokException.InvalidInput>("credential ${text.take(40)}") {
            holder.presentSelective(text, listOf("/credentialSubject/birthDate"), request)
        }
    }
}

fun ecdsaSd2023WithAnEd25519KeyOrAPointerToNothingIsInvalidInput() {
    assertLommebokError<LommebokException.InvalidInput>("ecdsa-sd-2023 with an Ed25519 key") {
        Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).withCryptosuite(Cryptosuite.ECDSA_SD2023)
    }
    val strict = sdMunicipality().withMandatoryPointers(listOf("/credentialSubject/floor"))
    assertLommebokError<LommebokException.InvalidInput>("a mandatory pointer that selects nothing") {
        strict.issue(sdResidence(strict.did(), "did:example:kari"))
    }
}
