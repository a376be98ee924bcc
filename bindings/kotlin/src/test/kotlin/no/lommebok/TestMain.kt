// A tiny test runner: JUnit is not available offline, kotlin-test's asserts are.
//
// Runs every test function listed below in order and prints `PASS name` or `FAIL name: reason`
// for each, then one line `N passed, M failed`; the exit status is 1 when anything failed.
// Run through `bash scripts/test-kotlin`.

package no.lommebok

import kotlin.reflect.KFunction0
import kotlin.system.exitProcess

/** Every test, in the order they run. A test is a function without arguments that throws on failure. */
val allTests: List<KFunction0<Unit>> = listOf(
    // 1. The demo story, as an app would write it.
    ::demoStoryWithStatusListsInMemory,
    ::demoStoryWithStatusListsInSqliteSurvivesReopening,
    // 2. Keys held by the platform: Signer implemented in Kotlin with the JDK.
    ::jdkP256SignerWithDerSignaturesHoldsAndPresents,
    ::jdkP256SignerWithP1363SignaturesHoldsAndPresents,
    ::jdkP256SignerIssuesCredentialsRustVerifies,
    ::jdkP256SignerIssuesWithEveryEcdsaSuite,
    ::jdkEd25519SignerWithSpkiKeyIssuesAndPresents,
    ::signerOfP256KeyRefusesEddsaSuite,
    // 3. Keys that fail.
    ::signerThrowingLommebokSigningFailsPresentWithSigning,
    ::signerThrowingPlatformExceptionFailsWithSigning,
    ::signerThrowingOnIssueFailsIssueWithSigning,
    ::signerWhosePublicKeyIsUnavailableFailsConstruction,
    ::signerWhoseAlgorithmThrowsFailsConstruction,
    ::signerReturningAnotherKeysSignatureFailsWithSigning,
    ::signerWithMalformedPublicKeyIsInvalidInput,
    // 4. Bad input and attacks: errors or failed checks, never a crash.
    ::malformedJsonToVerifyCredentialIsInvalidInput,
    ::malformedJsonToVerifyPresentationIsInvalidInput,
    ::garbageToWalletStoreIsInvalidInputAndStoresNothing,
    ::credentialAboutSomeoneElseIsRefusedByWalletStore,
    ::garbageToWalletPresentIsInvalidInput,
    ::garbageToIssuerIssueIsInvalidInput,
    ::credentialNamingAnotherIssuerIsRefusedByIssue,
    ::badDateToIssueAtIsInvalidInput,
    ::garbageKeysAreInvalidInput,
    ::replayedPresentationFailsChallenge,
    ::presentationForAnotherDomainFailsDomain,
    ::presentationWithoutDomainFailsDomain,
    ::challengeFromAnotherVerifierFailsChallenge,
    ::tamperedCredentialFailsProof,
    ::untrustedIssuerFailsTrustedIssuer,
    ::statusOperationsWithoutRegistryAreStatusErrors,
    ::verifierOptionsOutOfRangeAreInvalidInput,
    // 5. What the CLI can do: own vocabularies (--context), status message lists.
    ::ownVocabularyNeedsItsContextToIssuePresentAndVerify,
    ::messageListValueReachesTheVerifierWithItsMessage,
    // 6. Keys.
    ::generatedEd25519KeyIsDidKeyZ6Mk,
    ::generatedP256KeyIsDidKeyZDn,
    ::multikeyJsonRoundTripKeepsTheDid,
    ::ed25519FromSecretMatchesRfc8032Vector,
    ::p256FromSecretMatchesRfc6979Key,
    ::keyFromSecretSignsAsTheSameIssuer,
    // 7. SD-JWT VC: selective disclosure, key binding, Token Status Lists.
    ::over18ShowsOnlyAgeOver18WithBothKeyTypes,
    ::sdJwtIssuerTrustedByItsJwk,
    ::sdJwtForAnotherVerifiersRequestFailsChallenge,
    ::jdkP256SignerSignsTheKeyBindingJwt,
    ::unboundSdJwtIsPresentedWithoutKeyBinding,
    ::sdJwtWithTokenStatusIsValidUntilRevoked,
    ::garbageToSdJwtFunctionsIsInvalidInput,
    // 8. The persistent wallet: encrypted store, import checks, DCQL answers, activity log.
    ::holderWalletAppFlowShowsTheVerifierOnlyAgeOver18AfterReopening,
    ::dataIntegrityAnswerReleasesTheWholeCredentialAndItsPresentationCannotBeReplayed,
    ::choicesThatDoNotAnswerTheQueryAreRefusedAndLogNothing,
    ::wrongStoreKeysAndFilesThatAreNotStoresAreTheirOwnErrors,
    ::forgedForeignAndGarbageCredentialsAreRefusedAndNothingIsKept,
    ::platformSignerIsTheHolderKeyAndIsNeededToReopen,
    ::exportGivesTheIssuedTextAndDeleteRemovesOnlyThatCredential,
    // 9. Trust lists and signed requests: who may issue, who may ask for what, and where to.
    ::registeredPharmacyGetsOnlyAgeOver18FromAListedMunicipality,
    ::unlistedIssuerFailsThePharmacysTrustCheck,
    ::issuerListedForAnotherTypeFailsThePharmacysTrustCheck,
    ::expiredTrustListCannotBeAddedAndFailsTrustOnceExpired,
    ::tamperedTrustListIsRefusedAndTheHeldListStays,
    ::trustListSignedByANonAnchorIsRefused,
    ::unsignedAndGarbageRequestsAreInvalidInput,
    ::requestSignedByAnotherKeyIsInvalidInput,
    ::unregisteredLookAlikeVerifierIsRefusedAndNothingIsLogged,
    ::overAskingPharmacyIsRefusedNamingTheClaim,
    ::responseAddressNotRegisteredIsRefusedNamingIt,
    ::presentationForThePharmacyFailsAtTheBank,
    ::dangerAllowUnregisteredLetsTheLookAlikeThroughAndIsOffByDefault,
    ::newerTrustListReplacesTheOlderAndRollbackIsRefused,
    // 10. Selective disclosure with ecdsa-sd-2023: derived credentials disclose only what is asked.
    ::municipalityIssuesSelectiveResidenceAndPharmacySeesOnlyBirthDateAndMandatory,
    ::typeValuesMatchTheTypeNameAsWrittenToo,
    ::baseProofGivenStraightToAVerifierIsRefused,
    ::presentSelectiveShowsExactlyTheChosenAndMandatoryClaims,
    ::tamperedDerivedBirthDateFailsVerification,
    ::garbageToPresentSelectiveIsInvalidInput,
    ::ecdsaSd2023WithAnEd25519KeyOrAPointerToNothingIsInvalidInput,
    // 11. The wallet screen's status badges.
    ::walletScreenShowsValidThenRevokedAndUnknownWithoutTheList,
    // 12. Recovery with guardians (2 of 3, a new device, rotation) and delegation to a helper.
    ::citizenRestoresOnANewPhoneThroughTwoOfThreeGuardiansAfterTheAppWasKilled,
    ::everyPairOfGuardiansRestoresAndNoSingleGuardianDoes,
    ::wrongCodeReleasesNothingAnotherDevicesReleaseDoesNotAddAndRotationRevokesTheOldShare,
    ::helperPresentsTheCitizensCredentialToThePharmacyOnBehalfOfHerButNotToTheBank,
    ::garbageToRecoveryAndDelegationExportsIsInvalidInput,
    // 13. Re-issuance after a recovery onto a new platform key, and delegation from the citizen's wallet.
    ::lostKeystoreKeysCredentialIsReissuedToTheNewPhoneAndTheOldOneRevoked,
    ::refusedReissuanceRequestsRevokeNothingAndTheProperOneStillWorks,
    ::citizenOnAKeystoreKeyDelegatesFromHerWalletAndTheHelperPresentsOnHerBehalf,
)

fun main() {
    var passed = 0
    var failed = 0
    for (test in allTests) {
        try {
            test()
            println("PASS ${test.name}")
            passed++
        } catch (e: Throwable) {
            // An assertion's message says what differed; anything else is named by its class.
            val reason = when (e) {
                is AssertionError -> e.message ?: "assertion failed"
                else -> "${e::class.qualifiedName}: ${e.message}"
            }
            println("FAIL ${test.name}: ${reason.lines().first()}")
            e.printStackTrace(System.out)
            failed++
        }
    }
    println("$passed passed, $failed failed")
    // exitProcess also stops JNA's and the cleaner's threads.
    exitProcess(if (failed > 0) 1 else 0)
}
