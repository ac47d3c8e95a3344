# Lint settings for every PowerShell file in the repo (run by `cargo xtask test`): the PSGallery preset plus
# the rules a demanding reviewer expects. Suppressions live next to the code, with a justification.
@{
    IncludeRules = @(
        # The PSGallery preset.
        'PSUseApprovedVerbs', 'PSReservedCmdletChar', 'PSReservedParams', 'PSShouldProcess',
        'PSUseShouldProcessForStateChangingFunctions', 'PSUseSingularNouns', 'PSMissingModuleManifestField',
        'PSAvoidDefaultValueSwitchParameter', 'PSAvoidUsingCmdletAliases', 'PSAvoidUsingWMICmdlet',
        'PSAvoidUsingEmptyCatchBlock', 'PSUseCmdletCorrectly', 'PSAvoidUsingPositionalParameters',
        'PSAvoidGlobalVars', 'PSUseDeclaredVarsMoreThanAssignments', 'PSAvoidUsingInvokeExpression',
        'PSAvoidUsingPlainTextForPassword', 'PSAvoidUsingComputerNameHardcoded', 'PSUsePSCredentialType',
        # Correctness beyond the preset.
        'PSReviewUnusedParameter', 'PSUseProcessBlockForPipelineCommand', 'PSUseSupportsShouldProcess',
        'PSPossibleIncorrectComparisonWithNull', 'PSPossibleIncorrectUsageOfAssignmentOperator',
        'PSPossibleIncorrectUsageOfRedirectionOperator', 'PSAvoidAssignmentToAutomaticVariable',
        'PSMisleadingBacktick', 'PSAvoidUsingWriteHost', 'PSUseOutputTypeCorrectly',
        'PSUseToExportFieldsInManifest', 'PSAvoidUsingDeprecatedManifestFields',
        'PSUseUsingScopeModifierInNewRunspaces', 'PSAvoidSemicolonsAsLineTerminators',
        # Style and encoding.
        'PSUseConsistentIndentation', 'PSUseConsistentWhitespace', 'PSUseCorrectCasing', 'PSPlaceOpenBrace',
        'PSPlaceCloseBrace', 'PSAvoidTrailingWhitespace', 'PSUseBOMForUnicodeEncodedFile',
        'PSUseLiteralInitializerForHashtable', 'PSAvoidExclaimOperator'
    )
    Rules        = @{
        PSUseConsistentIndentation = @{
            Enable              = $true
            IndentationSize     = 4
            Kind                = 'space'
            PipelineIndentation = 'IncreaseIndentationForFirstPipeline'
        }
        PSUseConsistentWhitespace  = @{
            Enable                                  = $true
            CheckInnerBrace                         = $true
            CheckOpenBrace                          = $true
            CheckOpenParen                          = $true
            CheckOperator                           = $true
            CheckPipe                               = $true
            CheckSeparator                          = $true
            CheckParameter                          = $true
            IgnoreAssignmentOperatorInsideHashTable = $true
        }
        PSPlaceOpenBrace           = @{ Enable = $true; OnSameLine = $true; NewLineAfter = $true; IgnoreOneLineBlock = $true }
        PSPlaceCloseBrace          = @{ Enable = $true; NewLineAfter = $true; IgnoreOneLineBlock = $true; NoEmptyLineBefore = $false }
        PSUseCorrectCasing         = @{ Enable = $true }
        PSAvoidExclaimOperator     = @{ Enable = $true }
    }
}
