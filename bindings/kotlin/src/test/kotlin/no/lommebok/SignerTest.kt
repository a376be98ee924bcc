// 2 and 3. Keys held outside lommebok: `Signer` implemented in Kotlin with the JDK's providers,
// as an Android app does with the Android Keystore (same `java.security` API), and signers that
// fail the way keystores do.

package no.lommebok

import java.math.BigInteger
import java.security.InvalidKeyException
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.util.Collections
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The order of the P-256 group. */
val P256_ORDER = BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)

/** How a [JdkSigner] hands its signatures back. */
enum class SignatureForm {
    /** As `SHA256withECDSA` (and the Android Keystore) give them: ASN.1 DER, ~70 bytes. */
    DER,
    /** DER, but always with the high S (n - s), which is as valid for ECDSA: lommebok must normalize. */
    DER_HIGH_S,
    /** As `SHA256withECDSAinP1363Format` gives them: 64 bytes r || s. */
    P1363,
    /** r || s with the high S. */
    P1363_HIGH_S,
    /** Ed25519: the 64-byte signature. */
    ED25519,
}

/**
 * A key pair made by the JDK, signing through `java.security.Signature`: what an Android app's
 * Keystore-backed signer does, with the key in the JVM here. Keeps every signature it made.
 */
open class JdkSigner(private val form: SignatureForm) : Signer {
    val keyPair: KeyPair = if (form == SignatureForm.ED25519) {
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
    } else {
        KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
    }
    val signatures: MutableList<ByteArray> = Collections.synchronizedList(mutableListOf())

    /** The did:key of this key, computed in Kotlin. */
    val expectedDid: String
        get() = when (form) {
            SignatureForm.ED25519 -> didKeyOfEd25519(keyPair.public.encoded.takeLast(32).toByteArray())
            else -> didKeyOfP256(keyPair.public as ECPublicKey)
        }

    override fun algorithm(): KeyAlgorithm =
        if (form == SignatureForm.ED25519) KeyAlgorithm.ED25519 else KeyAlgorithm.P256

    /** SPKI DER (`publicKey.encoded`), as the JDK and Android hand it out. */
    override fun publicKey(): ByteArray = keyPair.public.encoded

    override fun sign(message: ByteArray): ByteArray {
        val name = when (form) {
            SignatureForm.DER, SignatureForm.DER_HIGH_S -> "SHA256withECDSA"
            SignatureForm.P1363, SignatureForm.P1363_HIGH_S -> "SHA256withECDSAinP1363Format"
            SignatureForm.ED25519 -> "Ed25519"
        }
        val jdk = Signature.getInstance(name)
        jdk.initSign(keyPair.private)
        jdk.update(message)
        val signature = when (form) {
            SignatureForm.DER_HIGH_S -> derOf(highS(parseDer(jdk.sign())))
            SignatureForm.P1363_HIGH_S -> highS(parseP1363(jdk.sign())).let { (r, s) -> unsigned32(r) + unsigned32(s) }
            else -> jdk.sign()
        }
        signatures += signature
        return signature
    }
}

/** (r, s) with s replaced by n - s when it is the low one. */
fun highS(rs: Pair<BigInteger, BigInteger>): Pair<BigInteger, BigInteger> {
    val (r, s) = rs
    return if (s <= P256_ORDER.shiftRight(1)) r to P256_ORDER - s else r to s
}

fun parseP1363(signature: ByteArray): Pair<BigInteger, BigInteger> {
    assertEquals(64, signature.size)
    return BigInteger(1, signature.copyOfRange(0, 32)) to BigInteger(1, signature.copyOfRange(32, 64))
}

/** Reads `SEQUENCE { INTEGER r, INTEGER s }` (always short-form lengths for P-256). */
fun parseDer(signature: ByteArray): Pair<BigInteger, BigInteger> {
    assertEquals(0x30, signature[0].toInt(), "DER SEQUENCE")
    assertEquals(signature.size - 2, signature[1].toInt(), "DER length")
    assertEquals(0x02, signature[2].toInt(), "DER INTEGER r")
    val rLength = signature[3].toInt()
    val r = BigInteger(signature.copyOfRange(4, 4 + rLength))
    assertEquals(0x02, signature[4 + rLength].toInt(), "DER INTEGER s")
    val sLength = signature[5 + rLength].toInt()
    val s = BigInteger(signature.copyOfRange(6 + rLength, 6 + rLength + sLength))
    assertEquals(signature.size, 6 + rLength + sLength)
    return r to s
}

/** DER of (r, s): BigInteger.toByteArray is the minimal two's complement an INTEGER holds. */
fun derOf(rs: Pair<BigInteger, BigInteger>): ByteArray {
    val r = rs.first.toByteArray()
    val s = rs.second.toByteArray()
    val body = byteArrayOf(0x02, r.size.toByte()) + r + byteArrayOf(0x02, s.size.toByte()) + s
    return byteArrayOf(0x30, body.size.toByte()) + body
}

/** Issues a residence credential to [holderDid] with a throwaway software key. */
fun credentialFor(holderDid: String): String {
    val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
    return municipality.issue(residenceCredential(municipality.did(), holderDid))
}

/** A wallet on [signer] holds a credential and presents it [times] times; Rust verifies each. */
fun walletOnSignerPresents(signer: JdkSigner, times: Int) {
    val wallet = Wallet.withSigner(signer)
    assertEquals(signer.expectedDid, wallet.did(), "lommebok read the key the JDK made")
    wallet.store(credentialFor(wallet.did()))
    val pharmacy = Verifier()
    repeat(times) {
        val request = pharmacy.request(PHARMACY)
        val presentation = wallet.present(wallet.credentials(), request)
        val report = pharmacy.verifyPresentation(presentation, request)
        assertValid(report)
        assertTrue(report.passed(CheckKind.HOLDER_KEY, "presentation").reason.contains(wallet.did()))
        report.passed(CheckKind.PROOF, "presentation")
        report.passed(CheckKind.HOLDER_BINDING, "credential[0]")
    }
    assertEquals(times, signer.signatures.size, "one signature per presentation")
}

fun jdkP256SignerWithDerSignaturesHoldsAndPresents() {
    val plain = JdkSigner(SignatureForm.DER)
    walletOnSignerPresents(plain, times = 4)
    for (signature in plain.signatures) {
        assertEquals(0x30, signature[0].toInt(), "DER")
        assertTrue(signature.size in 8..72, "DER length ${signature.size}")
    }
    val highS = JdkSigner(SignatureForm.DER_HIGH_S)
    walletOnSignerPresents(highS, times = 2)
    assertTrue(highS.signatures.all { parseDer(it).second > P256_ORDER.shiftRight(1) })
}

fun jdkP256SignerWithP1363SignaturesHoldsAndPresents() {
    val plain = JdkSigner(SignatureForm.P1363)
    walletOnSignerPresents(plain, times = 4)
    assertTrue(plain.signatures.all { it.size == 64 }, "r || s")
    val highS = JdkSigner(SignatureForm.P1363_HIGH_S)
    walletOnSignerPresents(highS, times = 2)
    assertTrue(highS.signatures.all { parseP1363(it).second > P256_ORDER.shiftRight(1) })
}

fun jdkP256SignerIssuesCredentialsRustVerifies() {
    val signer = JdkSigner(SignatureForm.DER)
    // The municipality's key in its HSM/keystore, with a revocation list: the status list
    // credential is signed by the Kotlin key too.
    val registry = StatusRegistry.inMemory()
    registry.createList(REVOCATIONS, StatusPurpose.REVOCATION)
    val municipality = Issuer.withSigner(signer).withStatus(registry, listOf(REVOCATIONS))
    assertEquals(signer.expectedDid, municipality.did())
    val verifier = Verifier()
    val credentials = (1..3).map {
        municipality.issue(residenceCredential(municipality.did(), "did:example:citizen$it"))
    }
    verifier.addStatusList(REVOCATIONS, municipality.statusListCredential(REVOCATIONS, 3_600uL))
    for (credential in credentials) {
        assertEquals("ecdsa-rdfc-2019", jsonString(credential, "cryptosuite"), "the P-256 default")
        val report = verifier.verifyCredential(credential)
        assertValid(report)
        assertTrue(report.passed(CheckKind.ISSUER_KEY, "credential").reason.contains(municipality.did()))
        assertEquals("not revoked", report.passed(CheckKind.STATUS, "credential").reason)
    }
    // Three credentials and one status list: four Kotlin signatures.
    assertEquals(4, signer.signatures.size)

    // A Kotlin-signed credential in a Kotlin-signed presentation.
    val holder = JdkSigner(SignatureForm.P1363)
    val wallet = Wallet.withSigner(holder)
    val credential = municipality.issue(residenceCredential(municipality.did(), wallet.did()))
    wallet.store(credential)
    val request = verifier.request(PHARMACY)
    val report = verifier.verifyPresentation(wallet.present(wallet.credentials(), request), request)
    assertValid(report)
    report.passed(CheckKind.ISSUER_KEY, "credential[0]")
    report.passed(CheckKind.HOLDER_KEY, "presentation")
}

fun jdkP256SignerIssuesWithEveryEcdsaSuite() {
    val signer = JdkSigner(SignatureForm.DER)
    val issuer = Issuer.withSigner(signer)
    for ((suite, name) in listOf(
        Cryptosuite.ECDSA_RDFC2019 to "ecdsa-rdfc-2019",
        Cryptosuite.ECDSA_JCS2019 to "ecdsa-jcs-2019",
    )) {
        val credential = issuer.withCryptosuite(suite).issue(residenceCredential(issuer.did(), "did:example:kari"))
        assertEquals(name, jsonString(credential, "cryptosuite"))
        assertValid(Verifier().verifyCredential(credential))
    }
}

fun jdkEd25519SignerWithSpkiKeyIssuesAndPresents() {
    val signer = JdkSigner(SignatureForm.ED25519)
    assertEquals(44, signer.publicKey().size, "SPKI DER of an Ed25519 key")
    walletOnSignerPresents(signer, times = 2)
    assertTrue(signer.signatures.all { it.size == 64 })

    val issuerSigner = JdkSigner(SignatureForm.ED25519)
    val issuer = Issuer.withSigner(issuerSigner)
    assertEquals(issuerSigner.expectedDid, issuer.did())
    for ((suite, name) in listOf(
        Cryptosuite.EDDSA_RDFC2022 to "eddsa-rdfc-2022",
        Cryptosuite.EDDSA_JCS2022 to "eddsa-jcs-2022",
    )) {
        val credential = issuer.withCryptosuite(suite).issue(residenceCredential(issuer.did(), "did:example:kari"))
        assertEquals(name, jsonString(credential, "cryptosuite"))
        val report = Verifier().verifyCredential(credential)
        assertValid(report)
        report.passed(CheckKind.ISSUER_KEY, "credential")
    }
}

fun signerOfP256KeyRefusesEddsaSuite() {
    val issuer = Issuer.withSigner(JdkSigner(SignatureForm.DER))
    val error = assertLommebokError<LommebokException.InvalidInput>("EdDSA with a P-256 key") {
        issuer.withCryptosuite(Cryptosuite.EDDSA_RDFC2022)
    }
    assertTrue(error.reason.isNotEmpty())
}

// --- 3. Signers that fail ---

/** A Keystore key behind a lock: while [locked], `sign` throws what [failure] makes. */
class LockableSigner(private val failure: () -> Exception) : JdkSigner(SignatureForm.DER) {
    @Volatile var locked = true
    var attempts = 0

    override fun sign(message: ByteArray): ByteArray {
        attempts++
        if (locked) throw failure()
        return super.sign(message)
    }
}

fun signerThrowingLommebokSigningFailsPresentWithSigning() {
    val signer = LockableSigner { LommebokException.Signing("the keystore is locked") }
    val wallet = Wallet.withSigner(signer)
    wallet.store(credentialFor(wallet.did()))
    val pharmacy = Verifier()
    val request = pharmacy.request(PHARMACY)
    val error = assertLommebokError<LommebokException.Signing>("present with a locked key") {
        wallet.present(wallet.credentials(), request)
    }
    assertTrue(error.reason.contains("the keystore is locked"), error.reason)
    assertEquals(1, signer.attempts)

    // The user unlocks; the app retries the same request, and it works.
    signer.locked = false
    val report = pharmacy.verifyPresentation(wallet.present(wallet.credentials(), request), request)
    assertValid(report)
    assertEquals(2, signer.attempts)
}

fun signerThrowingPlatformExceptionFailsWithSigning() {
    // As Android's UserNotAuthenticatedException (an InvalidKeyException): not a LommebokException.
    val signer = LockableSigner { InvalidKeyException("User not authenticated") }
    val wallet = Wallet.withSigner(signer)
    wallet.store(credentialFor(wallet.did()))
    val error = assertLommebokError<LommebokException.Signing>("present with an unauthenticated key") {
        wallet.present(wallet.credentials(), Verifier().request(PHARMACY))
    }
    // uniffi passes an undeclared exception's stack trace as the reason.
    assertTrue(error.reason.contains("InvalidKeyException"), error.reason)
    assertTrue(error.reason.contains("User not authenticated"), error.reason)
}

fun signerThrowingOnIssueFailsIssueWithSigning() {
    val signer = LockableSigner { LommebokException.Signing("HSM unreachable") }
    val registry = StatusRegistry.inMemory()
    registry.createList(REVOCATIONS, StatusPurpose.REVOCATION)
    val issuer = Issuer.withSigner(signer).withStatus(registry, listOf(REVOCATIONS))
    val issue = assertLommebokError<LommebokException.Signing>("issue") {
        issuer.issue(residenceCredential(issuer.did(), "did:example:kari", id = "urn:uuid:${java.util.UUID.randomUUID()}"))
    }
    assertTrue(issue.reason.contains("HSM unreachable"), issue.reason)
    val publish = assertLommebokError<LommebokException.Signing>("publish a status list") {
        issuer.statusListCredential(REVOCATIONS, 3_600uL)
    }
    assertTrue(publish.reason.contains("HSM unreachable"), publish.reason)
    // Once the key is back, issuing and publishing work again, and the list vouches for the credential.
    signer.locked = false
    val credential = issuer.issue(residenceCredential(issuer.did(), "did:example:kari"))
    val verifier = Verifier()
    verifier.addStatusList(REVOCATIONS, issuer.statusListCredential(REVOCATIONS, 3_600uL))
    val report = verifier.verifyCredential(credential)
    assertValid(report)
    assertEquals("not revoked", report.passed(CheckKind.STATUS, "credential").reason)
    assertEquals(4, signer.attempts, "two refused, two signed")
}

fun signerWhosePublicKeyIsUnavailableFailsConstruction() {
    val deleted = object : JdkSigner(SignatureForm.DER) {
        override fun publicKey(): ByteArray = throw LommebokException.Signing("key alias not found")
    }
    val wallet = assertLommebokError<LommebokException.Signing>("Wallet.withSigner") { Wallet.withSigner(deleted) }
    assertTrue(wallet.reason.contains("key alias not found"), wallet.reason)
    val invalidated = object : JdkSigner(SignatureForm.DER) {
        override fun publicKey(): ByteArray = throw IllegalStateException("KeyPermanentlyInvalidated")
    }
    val issuer = assertLommebokError<LommebokException.Signing>("Issuer.withSigner") { Issuer.withSigner(invalidated) }
    assertTrue(issuer.reason.contains("KeyPermanentlyInvalidated"), issuer.reason)
}

fun signerWhoseAlgorithmThrowsFailsConstruction() {
    // `algorithm()` declares no error: uniffi turns the exception into a Rust panic, which the
    // bindings catch. (Rust's panic hook prints a line to stderr here.)
    val broken = object : JdkSigner(SignatureForm.DER) {
        override fun algorithm(): KeyAlgorithm = throw IllegalStateException("keystore gone")
    }
    System.err.println("[signerWhoseAlgorithmThrowsFailsConstruction: the Rust panic message below is expected]")
    val error = assertLommebokError<LommebokException.Signing>("Wallet.withSigner") { Wallet.withSigner(broken) }
    assertTrue(error.reason.contains("algorithm"), error.reason)
    assertTrue(error.reason.contains("keystore gone"), error.reason)
}

fun signerReturningAnotherKeysSignatureFailsWithSigning() {
    // A keystore alias that was rotated under the app: signs with a key other than it claims.
    val other = JdkSigner(SignatureForm.DER)
    val rotated = object : JdkSigner(SignatureForm.DER) {
        override fun sign(message: ByteArray): ByteArray = other.sign(message)
    }
    val issuer = Issuer.withSigner(rotated)
    val error = assertLommebokError<LommebokException.Signing>("issue with the wrong key") {
        issuer.issue(residenceCredential(issuer.did(), "did:example:kari"))
    }
    assertTrue(error.reason.contains("does not verify"), error.reason)
    // And garbage instead of a signature.
    val garbage = object : JdkSigner(SignatureForm.DER) {
        override fun sign(message: ByteArray): ByteArray = ByteArray(64) { 7 }
    }
    val wallet = Wallet.withSigner(garbage)
    wallet.store(credentialFor(wallet.did()))
    assertLommebokError<LommebokException.Signing>("present with garbage signatures") {
        wallet.present(wallet.credentials(), Verifier().request(null))
    }
}

fun signerWithMalformedPublicKeyIsInvalidInput() {
    for (bytes in listOf(ByteArray(0), ByteArray(10) { 4 }, ByteArray(65) { 4 })) {
        val bad = object : JdkSigner(SignatureForm.DER) {
            override fun publicKey(): ByteArray = bytes
        }
        assertLommebokError<LommebokException.InvalidInput>("a ${bytes.size}-byte public key") { Wallet.withSigner(bad) }
    }
    // An Ed25519 signer handing out a P-256 key.
    val mismatched = object : JdkSigner(SignatureForm.DER) {
        override fun algorithm() = KeyAlgorithm.ED25519
    }
    assertLommebokError<LommebokException.InvalidInput>("P-256 key called Ed25519") { Issuer.withSigner(mismatched) }
}
