@{
    # The compiled cmdlets (lib/PimRust.Commands.dll) are the module's code; importing runs its native-library check.
    RootModule           = 'lib/PimRust.Commands.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '76038763-c100-4f6c-abb8-ca04d6731fb2'
    Author               = 'PimRust contributors'
    CompanyName          = 'PimRust'
    Copyright            = '(c) PimRust contributors. MIT License.'
    Description          = 'List and activate Microsoft Entra Privileged Identity Management (PIM) eligibilities from the pipeline: Entra roles, PIM for Groups and Azure resource roles. Fast, cross-platform, no Az or Graph module dependencies.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('PimRust.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @('Connect-Pim', 'Disconnect-Pim', 'Get-PimContext', 'Get-PimEligibleRole', 'Get-PimActiveRole', 'Invoke-PimActivation', 'Invoke-PimDeactivation', 'Select-PimRole', 'Wait-PimRequest')
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PIM', 'PrivilegedIdentityManagement', 'EntraID', 'AzureAD', 'Azure', 'Graph', 'RBAC', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # Written into the assembled module by `cargo xtask build`: ProjectUri and LicenseUri from
            # `repository` under [workspace.package] in Cargo.toml (change the address there only), and by
            # `cargo xtask package`: ReleaseNotes from this version's section of CHANGELOG.md.
            LicenseUri   = ''
            ProjectUri   = ''
            ReleaseNotes = ''
        }
    }
}
