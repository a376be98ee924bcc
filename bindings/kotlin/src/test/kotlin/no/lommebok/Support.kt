// What the tests share: the credential the municipality issues, report look-ups, JSON bits,
// and an independent did:key encoder to check the DIDs lommebok derives.

package no.lommebok

import java.io.File
import java.math.BigInteger
import java.nio.file.Files
import java.security.interfaces.ECPublicKey
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.test.fail

/** Where the municipality publishes its revocation list. */
const val REVOCATIONS = "https://tromso.kommune.example/status/revocation/1"

/** The pharmacy's domain. */
const val PHARMACY = "apotek.example"

/**
 * An unsigned residence credential from [issuerDid] about [subjectDid], as the municipality's
 * back office would build it; with [id] when the app names the credential itself.
 */
fun residenceCredential(issuerDid: String, subjectDid: String, id: String? = null): String {
    val idMember = if (id == null) "" else """"id": "$id","""
    return """
        {
          "@context": ["https://www.w3.org/ns/credentials/v2",
                       "https://www.w3.org/ns/credentials/examples/v2"],
          $idMember
          "type": ["VerifiableCredential", "ResidenceCredential"],
          "issuer": "$issuerDid",
          "credentialSubject": {
            "id": "$subjectDid",
            "name": "Kari Nordmann",
            "municipality": "Tromsø"
          }
        }
    """.trimIndent()
}

/** The one check of [kind] on [target]; fails when there is none or several. */
fun VerificationReport.check(kind: CheckKind, target: String): Check {
    val found = checks.filter { it.check == kind && it.target == target }
    assertEquals(1, found.size, "checks $kind on $target in ${describe()}")
    return found[0]
}

/** Asserts that the check of [kind] on [target] passed, and returns it. */
fun VerificationReport.passed(kind: CheckKind, target: String): Check {
    val check = check(kind, target)
    assertTrue(check.passed, "$kind on $target should pass: ${describe()}")
    return check
}

/** The checks that failed, as (target, kind, reason). */
fun VerificationReport.failures(): List<Triple<String, CheckKind, String>> =
    checks.filter { !it.passed }.map { Triple(it.target, it.check, it.reason) }

/** Asserts a valid report: at least one check, every one passed. */
fun assertValid(report: VerificationReport) {
    assertTrue(report.valid, "expected a valid report: ${report.describe()}")
    assertTrue(report.checks.isNotEmpty())
    assertEquals(emptyList(), report.failures())
}

/** Asserts an invalid report whose only failed checks are [kinds] (in any target). */
fun assertOnlyFailed(report: VerificationReport, vararg kinds: CheckKind): List<Check> {
    assertTrue(!report.valid, "expected an invalid report: ${report.describe()}")
    val failed = report.checks.filter { !it.passed }
    assertEquals(kinds.toSet(), failed.map { it.check }.toSet(), "failed checks: ${report.describe()}")
    return failed
}

/** The report as lines `PASS target kind reason`, for assertion messages. */
fun VerificationReport.describe(): String =
    "valid=$valid\n" + checks.joinToString("\n") {
        "  ${if (it.passed) "PASS" else "FAIL"} ${it.target} ${it.check} ${it.reason}"
    }

/** The string value of the first top-level-looking `"name": "value"` member of a JSON text. */
fun jsonString(json: String, name: String): String? =
    Regex(""""${Regex.escape(name)}"\s*:\s*"([^"]*)"""").find(json)?.groupValues?.get(1)

/**
 * The `id` lommebok gave a credential (`urn:uuid:...`). The bindings return JSON text only,
 * so an app needs a JSON parser (Android has org.json) or, as here, a pattern.
 */
fun credentialIdOf(credentialJson: String): String {
    val id = Regex(""""id"\s*:\s*"(urn:uuid:[0-9a-f-]+)"""").find(credentialJson)?.groupValues?.get(1)
    return assertNotNull(id, "no urn:uuid id in $credentialJson")
}

/** A fresh temporary folder, deleted with its contents after [block]. */
fun <T> withTempDir(block: (File) -> T): T {
    val dir = Files.createTempDirectory("lommebok-kotlin-test").toFile()
    try {
        return block(dir)
    } finally {
        dir.deleteRecursively()
    }
}

/** Asserts that [block] throws the FFI's [LommebokException] of type [T], and returns it. */
inline fun <reified T : LommebokException> assertLommebokError(what: String, block: () -> Unit): T {
    try {
        block()
    } catch (e: LommebokException) {
        if (e is T) return e
        fail("$what: expected ${T::class.simpleName}, got ${e::class.simpleName}: ${e.message}")
    }
    fail("$what: expected ${T::class.simpleName}, nothing was thrown")
}

/** The reason carried by any [LommebokException]. */
val LommebokException.reason: String
    get() = when (this) {
        is LommebokException.InvalidInput -> reason
        is LommebokException.Signing -> reason
        is LommebokException.Status -> reason
        is LommebokException.WrongKey -> reason
        is LommebokException.Storage -> reason
        is LommebokException.Internal -> reason
    }

// --- JSON, read here: the tests have no JSON library (an Android app has org.json) ---

/**
 * [text] read as JSON: an object is a `Map<String, Any?>` (members in order), an array a
 * `List<Any?>`, a number a `Long` or a `Double`. Throws [IllegalArgumentException] on anything
 * that is not exactly one JSON value.
 */
fun parseJson(text: String): Any? {
    val reader = JsonReader(text)
    val value = reader.value()
    reader.space()
    require(reader.at == text.length) { "text after the JSON value at ${reader.at}" }
    return value
}

/** [text] read as a JSON object. */
@Suppress("UNCHECKED_CAST")
fun jsonObject(text: String): Map<String, Any?> =
    parseJson(text) as? Map<String, Any?> ?: fail("not a JSON object: $text")

private class JsonReader(val text: String) {
    var at = 0

    fun space() {
        while (at < text.length && text[at] in " \t\r\n") at++
    }

    fun expect(c: Char) {
        require(at < text.length && text[at] == c) { "expected '$c' at $at" }
        at++
    }

    fun value(): Any? {
        space()
        require(at < text.length) { "end of text where a value was expected" }
        return when (text[at]) {
            '{' -> members()
            '[' -> items()
            '"' -> string()
            't' -> word("true", true)
            'f' -> word("false", false)
            'n' -> word("null", null)
            else -> number()
        }
    }

    fun members(): Map<String, Any?> {
        expect('{')
        val members = LinkedHashMap<String, Any?>()
        space()
        if (text.getOrNull(at) == '}') {
            at++
            return members
        }
        while (true) {
            space()
            val name = string()
            require(name !in members) { "duplicate member $name" }
            space()
            expect(':')
            members[name] = value()
            space()
            if (text.getOrNull(at) != ',') break
            at++
        }
        expect('}')
        return members
    }

    fun items(): List<Any?> {
        expect('[')
        val items = mutableListOf<Any?>()
        space()
        if (text.getOrNull(at) == ']') {
            at++
            return items
        }
        while (true) {
            items += value()
            space()
            if (text.getOrNull(at) != ',') break
            at++
        }
        expect(']')
        return items
    }

    fun word(word: String, value: Any?): Any? {
        require(text.startsWith(word, at)) { "unexpected text at $at" }
        at += word.length
        return value
    }

    fun number(): Any {
        val match = Regex("""-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?""").matchAt(text, at)
        require(match != null) { "unexpected text at $at" }
        at += match.value.length
        val integral = match.groupValues[2].isEmpty() && match.groupValues[3].isEmpty()
        return if (integral) match.value.toLong() else match.value.toDouble()
    }

    fun string(): String {
        expect('"')
        val out = StringBuilder()
        while (true) {
            require(at < text.length) { "unterminated string" }
            val c = text[at++]
            when {
                c == '"' -> return out.toString()
                c == '\\' -> {
                    require(at < text.length) { "unterminated escape" }
                    val escaped = text[at++]
                    out.append(
                        when (escaped) {
                            '"', '\\', '/' -> escaped
                            'b' -> '\b'
                            'f' -> '\u000c'
                            'n' -> '\n'
                            'r' -> '\r'
                            't' -> '\t'
                            'u' -> text.substring(at, at + 4).toInt(16).toChar().also { at += 4 }
                            else -> throw IllegalArgumentException("bad escape \\$escaped")
                        },
                    )
                }
                c < ' ' -> throw IllegalArgumentException("control character in a string at $at")
                else -> out.append(c)
            }
        }
    }
}

// --- did:key, computed here independently of lommebok ---

private const val BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

/** Base58 (Bitcoin alphabet), as multibase `z` uses it. */
fun base58(bytes: ByteArray): String {
    var n = BigInteger(1, bytes)
    val out = StringBuilder()
    val radix = BigInteger.valueOf(58)
    while (n.signum() > 0) {
        val (quotient, remainder) = n.divideAndRemainder(radix)
        out.append(BASE58_ALPHABET[remainder.toInt()])
        n = quotient
    }
    for (b in bytes) {
        if (b.toInt() != 0) break
        out.append('1')
    }
    return out.reverse().toString()
}

/** `did:key` of a raw Ed25519 public key (multicodec `ed25519-pub`, 0xed 0x01). */
fun didKeyOfEd25519(publicKey: ByteArray): String {
    require(publicKey.size == 32)
    return "did:key:z" + base58(byteArrayOf(0xed.toByte(), 0x01) + publicKey)
}

/** `did:key` of a P-256 public key (multicodec `p256-pub`, 0x80 0x24, compressed SEC1 point). */
fun didKeyOfP256(publicKey: ECPublicKey): String {
    val x = unsigned32(publicKey.w.affineX)
    val prefix = if (publicKey.w.affineY.testBit(0)) 0x03 else 0x02
    return "did:key:z" + base58(byteArrayOf(0x80.toByte(), 0x24, prefix.toByte()) + x)
}

/** [n] as exactly 32 big-endian bytes. */
fun unsigned32(n: BigInteger): ByteArray {
    val bytes = n.toByteArray().dropWhile { it.toInt() == 0 }.toByteArray()
    require(bytes.size <= 32)
    return ByteArray(32 - bytes.size) + bytes
}

/** Bytes from hex. */
fun hex(text: String): ByteArray = text.chunked(2).map { it.toInt(16).toByte() }.toByteArray()

/**
 * [value] (as [parseJson] gives it: maps, lists, strings, numbers, booleans, null) written as
 * compact JSON text, e.g. to hand a changed credential back to lommebok.
 */
fun toJsonText(value: Any?): String = when (value) {
    null -> "null"
    is String -> buildString {
        append('"')
        for (c in value) {
            when {
                c == '"' -> append("\\\"")
                c == '\\' -> append("\\\\")
                c < ' ' -> append("\\u%04x".format(c.code))
                else -> append(c)
            }
        }
        append('"')
    }
    is Boolean, is Long, is Double -> value.toString()
    is Map<*, *> -> value.entries.joinToString(",", "{", "}") { (k, v) -> toJsonText(k as String) + ":" + toJsonText(v) }
    is List<*> -> value.joinToString(",", "[", "]") { toJsonText(it) }
    else -> throw IllegalArgumentException("not a JSON value: ${value::class}")
}
