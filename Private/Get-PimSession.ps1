function Get-PimSession {
    <#
    .SYNOPSIS
    Returns this module's native client, creating it on first use.
    #>
    [CmdletBinding()]
    [OutputType([PimRust.Interop.PimSession])]
    param()

    if ($null -eq $script:PimSession -or $script:PimSession.IsDisposed) {
        $script:PimSession = [PimRust.Interop.PimSession]::Create('{}')
    }
    $script:PimSession
}
