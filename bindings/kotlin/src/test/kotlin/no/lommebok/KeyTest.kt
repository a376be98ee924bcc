// 5. Software keys: generation, did:key, and storing a key as a Multikey document.

package no.lommebok

import java.math.BigInteger
import java.security.KeyFactory
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

fun generatedEd25519KeyIsDidKeyZ6Mk() {
    val key = SoftwareKey.generate(KeyAlgorithm.ED25519)
    assertEquals(KeyAlgorithm.ED25519, key.algorithm())
    assertTrue(key.did().startsWith("did:key:z6Mk"), key.did())
    assertTrue(key.publicKeyMultibase().startsWith("z6Mk"), key.publicKeyMultibase())
    assertEquals("did:key:" + key.publicKeyMultibase(), key.did())
    assertNotEquals(key.did(), SoftwareKey.generate(KeyAlgorithm.ED25519).did(), "keys are random")
}

fun generatedP256KeyIsDidKeyZDn() {
    val key = SoftwareKey.generate(KeyAlgorithm.P256)
    assertEquals(KeyAlgorithm.P256, key.algorithm())
    assertTrue(key.did().startsWith("did:key:zDn"), key.did())
    assertEquals("did:key:" + key.publicKeyMultibase(), key.did())
    assertNotEquals(key.did(), SoftwareKey.generate(KeyAlgorithm.P256).did(), "keys are random")
}

fun multikeyJsonRoundTripKeepsTheDid() {
    for (algorithm in KeyAlgorithm.entries) {
        val key = SoftwareKey.generate(algorithm)
        val json = key.toMultikeyJson()
        assertEquals("Multikey", jsonString(json, "type"))
        assertEquals(key.publicKeyMultibase(), jsonString(json, "publicKeyMultibase"))
        assertTrue(jsonString(json, "secretKeyMultibase")?.startsWith("z") == true, "the secret is in it")
        val restored = SoftwareKey.fromMultikeyJson(json)
        assertEquals(key.did(), restored.did())
        assertEquals(algorithm, restored.algorithm())
        // The restored key signs as the same issuer: a credential from it verifies as the original's.
        val issuer = Issuer(restored)
        val credential = issuer.issue(residenceCredential(key.did(), "did:example:kari"))
        assertValid(Verifier().verifyCredential(credential))
        key.close()
        restored.close()
    }
}

fun ed25519FromSecretMatchesRfc8032Vector() {
    // RFC 8032 section 7.1, TEST 1.
    val secret = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    val public = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    val key = SoftwareKey.fromSecret(KeyAlgorithm.ED25519, secret)
    assertEquals(didKeyOfEd25519(public), key.did())
    assertTrue(key.did().startsWith("did:key:z6Mk"))
}

fun p256FromSecretMatchesRfc6979Key() {
    // RFC 6979 appendix A.2.5: the P-256 key x and its public point (Ux, Uy).
    val x = hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
    val ux = BigInteger("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6", 16)
    val uy = BigInteger("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299", 16)
    val parameters = java.security.AlgorithmParameters.getInstance("EC")
        .apply { init(ECGenParameterSpec("secp256r1")) }
        .getParameterSpec(ECParameterSpec::class.java)
    val public = KeyFactory.getInstance("EC").generatePublic(ECPublicKeySpec(ECPoint(ux, uy), parameters)) as ECPublicKey
    val key = SoftwareKey.fromSecret(KeyAlgorithm.P256, x)
    assertEquals(didKeyOfP256(public), key.did())
    assertTrue(key.did().startsWith("did:key:zDn"))
}

fun keyFromSecretSignsAsTheSameIssuer() {
    // An app that keeps the 32 secret bytes (e.g. wrapped by the Keystore) gets the same issuer back.
    for (algorithm in KeyAlgorithm.entries) {
        val secret = ByteArray(32) { (it + 1).toByte() }
        val first = SoftwareKey.fromSecret(algorithm, secret)
        val second = SoftwareKey.fromSecret(algorithm, secret.copyOf())
        assertEquals(first.did(), second.did())
        val credential = Issuer(first).issue(residenceCredential(second.did(), "did:example:kari"))
        val report = Verifier().verifyCredential(credential)
        assertValid(report)
        assertTrue(report.passed(CheckKind.ISSUER_KEY, "credential").reason.contains(second.did()))
    }
}
