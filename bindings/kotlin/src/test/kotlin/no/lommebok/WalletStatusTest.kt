// 11. The wallet screen's status badges: each held credential with its current status, read
// from the status lists the app fetched; never "valid" without them.

package no.lommebok

import kotlin.test.assertEquals
import kotlin.test.assertIs

private const val STATUS_LIST = "https://kommune.example/status/revocation/wallet-screen"

fun walletScreenShowsValidThenRevokedAndUnknownWithoutTheList() {
    withTempDir { dir ->
        StatusRegistry.inMemory().use { registry ->
            registry.createList(STATUS_LIST, StatusPurpose.REVOCATION)
            val municipality = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519)).withStatus(registry, listOf(STATUS_LIST))
            val plain = Issuer(SoftwareKey.generate(KeyAlgorithm.ED25519))
            val wallet = openHolderWallet(dir)
            val app = Verifier()
            app.addStatusList(STATUS_LIST, municipality.statusListCredential(STATUS_LIST, 3600uL))

            val withStatus = municipality.issue(residenceCredential(municipality.did(), wallet.did()))
            val withoutStatus = plain.issue(residenceCredential(plain.did(), wallet.did()))
            val heldWith = assertIs<ImportResult.Imported>(wallet.importCredential(withStatus, app)).credential.id
            val heldWithout = assertIs<ImportResult.Imported>(wallet.importCredential(withoutStatus, app)).credential.id

            fun statuses(verifier: Verifier): Map<String, HeldStatus> {
                val listed = wallet.listWithStatus(verifier)
                assertEquals(emptyList(), listed.damaged)
                return listed.credentials.associate { it.credential.id to it.status }
            }

            var shown = statuses(app)
            assertEquals(HeldStatus.Valid, shown[heldWith])
            assertEquals(HeldStatus.NoStatus, shown[heldWithout])

            municipality.revoke(credentialIdOf(withStatus))
            app.addStatusList(STATUS_LIST, municipality.statusListCredential(STATUS_LIST, 3600uL))
            shown = statuses(app)
            assertEquals(HeldStatus.Revoked, shown[heldWith])
            assertEquals(HeldStatus.NoStatus, shown[heldWithout])

            val offline = statuses(Verifier())
            val unknown = assertIs<HeldStatus.Unknown>(offline[heldWith])
            check(unknown.reason.isNotBlank()) { "an unknown status says why" }
        }
    }
}
