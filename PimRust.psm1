#Requires -Version 7.4
Set-StrictMode -Version 3.0

# The interop assembly registers a resolver that loads runtimes/<rid>/native/<lib> from this folder and
# refuses a native library of another ABI version, with a message that names the file.
Add-Type -Path (Join-Path $PSScriptRoot 'lib' 'PimRust.Interop.dll')
[PimRust.Interop.NativeLoader]::Initialize($PSScriptRoot)

foreach ($folder in 'Private', 'Public') {
    foreach ($file in Get-ChildItem -Path (Join-Path $PSScriptRoot $folder) -Filter '*.ps1' -File -ErrorAction Ignore) {
        . $file.FullName
    }
}

# The native client (and its async runtime) is created on first use, so importing stays instant.
$script:PimSession = $null
# Role names of the last full listing, for tab completion.
$script:EligibleRoleNames = @()

$ExecutionContext.SessionState.Module.OnRemove = {
    if ($null -ne $script:PimSession) {
        $script:PimSession.Dispose()
        $script:PimSession = $null
    }
}
