# Starts the sandbox emulator (PIMRUST_EMULATOR, built by `cargo xtask test`) for a test file, and
# signs the module in against it with tokens minted by the emulator's control plane.

. (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'tools', 'EmulatorProcess.ps1')

function Start-PimSandbox {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: starts and stops the emulator process that the test owns.')]
    param([string] $Scenario = 'demo')
    $exe = $env:PIMRUST_EMULATOR
    if (-not $exe -or -not (Test-Path $exe)) {
        throw 'PIMRUST_EMULATOR must name the pimrust-emulator binary; run `cargo xtask test`.'
    }
    Start-PimEmulatorProcess -Emulator $exe -Scenario $Scenario
}

function Stop-PimSandbox {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: starts and stops the emulator process that the test owns.')]
    param($Sandbox)
    if ($Sandbox -and -not $Sandbox.Process.HasExited) {
        $Sandbox.Process.Kill()
        $Sandbox.Process.WaitForExit(5000) | Out-Null
    }
}

function Get-PimSandboxToken {
    param($Sandbox, [ValidateSet('graph', 'arm')] [string] $Resource, [string[]] $Acrs)
    $body = @{ resource = $Resource }
    if ($Acrs) { $body.acrs = $Acrs }
    (Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/_emulator/tokens" -Body ($body | ConvertTo-Json) -ContentType 'application/json').access_token
}

function Connect-PimSandbox {
    param($Sandbox)
    Connect-Pim -SandboxUrl $Sandbox.Url -AccessToken (Get-PimSandboxToken $Sandbox graph) -ArmAccessToken (Get-PimSandboxToken $Sandbox arm) | Out-Null
}

function Get-PimSandboxLog {
    param($Sandbox)
    # The emulator answers {"value": [entries]}; unwrapping it keeps Where-Object filters honest.
    (Invoke-RestMethod -Uri "$($Sandbox.Url)/_emulator/requests").value
}

function Format-PimSandboxTarget {
    # An assignment target from the emulator's /state, as 'kind id where'.
    param($Target)
    switch ($Target.kind) {
        'directoryRole' { "directoryRole $($Target.roleDefinitionId) $($Target.directoryScopeId)" }
        'group' { "group $($Target.groupId) $($Target.accessId)" }
        'azure' { "azure $(($Target.roleDefinitionId -split '/')[-1]) $($Target.scope)" }
    }
}

function Format-PimRoleTargetKey {
    # The same key for a PimRust.EligibleRole, to compare what was chosen with what the emulator granted.
    param($Role)
    switch ($Role.Kind) {
        'DirectoryRole' { "directoryRole $($Role.RoleDefinitionId) $($Role.DirectoryScopeId)" }
        'Group' { "group $($Role.GroupId) $($Role.AccessId)" }
        'AzureResource' { "azure $(($Role.RoleDefinitionId -split '/')[-1]) $($Role.Scope)" }
    }
}

function New-PimSandboxShell {
    # A new runspace with the module imported and signed in to the sandbox (a sign-in belongs to its
    # runspace), for tests that stop a command the way Ctrl+C does. The caller disposes it.
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: a runspace that the test owns.')]
    param($Sandbox)
    $shell = [powershell]::Create()
    $shell.AddCommand('Import-Module').AddParameter('Name', $ManifestPath).AddStatement().
    AddCommand('Connect-Pim').AddParameter('SandboxUrl', $Sandbox.Url).AddParameter('AccessToken', (Get-PimSandboxToken $Sandbox graph)).
    AddParameter('ArmAccessToken', (Get-PimSandboxToken $Sandbox arm)) | Out-Null
    $shell.Invoke() | Out-Null
    if ($shell.HadErrors) {
        throw "The new runspace could not sign in to the sandbox: $($shell.Streams.Error -join '; ')"
    }
    $shell.Commands.Clear()
    $shell
}

function Start-PimShellCommand {
    # Starts the commands added to $Shell without waiting; returns the handle to wait on and the output
    # as it arrives.
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: runs a command in a runspace that the test owns.')]
    param([Parameter(Mandatory)] [powershell] $Shell)
    $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $noInput.Complete()
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    [pscustomobject]@{ Handle = $Shell.BeginInvoke($noInput, $output); Output = $output }
}
