function ConvertFrom-PimTokenParameter {
    # Accepts a token as string or SecureString (Get-AzAccessToken returns either); the text goes only
    # to the native side, never to output or streams.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [object] $Token,

        [Parameter(Mandatory)]
        [string] $Name
    )

    if ($Token -is [securestring]) {
        return [System.Net.NetworkCredential]::new('', $Token).Password
    }
    if ($Token -is [string] -and $Token.Trim()) {
        return $Token.Trim()
    }
    $exception = [System.ArgumentException]::new("-$Name must be a token string or SecureString.")
    $category = [System.Management.Automation.ErrorCategory]::InvalidArgument
    $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'PimRust.InvalidArgument', $category, $null))
}
