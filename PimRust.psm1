#Requires -Version 7.4
Set-StrictMode -Version 3.0

# The interop assembly registers a resolver that loads runtimes/<rid>/native/<lib> from this folder and
# refuses a native library of another ABI version, with a message that names the file.
# A method exception is only statement-terminating: rethrow it so Import-Module fails instead of
# leaving a module without its native library.
try {
    Add-Type -Path (Join-Path -Path $PSScriptRoot -ChildPath 'lib' -AdditionalChildPath 'PimRust.Interop.dll')
    [PimRust.Interop.NativeLoader]::Initialize($PSScriptRoot)
}
catch {
    throw $_.Exception.GetBaseException().Message
}

foreach ($folder in 'Private', 'Public') {
    foreach ($file in Get-ChildItem -Path (Join-Path $PSScriptRoot $folder) -Filter '*.ps1' -File -ErrorAction Ignore) {
        . $file.FullName
    }
}

# The native client (and its async runtime) is created on first use, so importing stays instant.
$script:PimSession = $null
# Role names of the last full listing, for tab completion.
$script:EligibleRoleNames = @()

# Registered from the module's scope so the completer sees the module's state and private functions.
$completeRoleName = {
    # Arguments: command name, parameter name, word to complete, command AST, bound parameters.
    Get-PimRoleNameCompletion -WordToComplete $args[2]
}
foreach ($command in 'Get-PimEligibleRole', 'Get-PimActiveRole', 'Invoke-PimActivation') {
    Register-ArgumentCompleter -CommandName $command -ParameterName Name -ScriptBlock $completeRoleName
}

$ExecutionContext.SessionState.Module.OnRemove = {
    if ($null -ne $script:PimSession) {
        $script:PimSession.Dispose()
        $script:PimSession = $null
    }
}
