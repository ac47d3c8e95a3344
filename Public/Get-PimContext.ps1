function Get-PimContext {
    <#
    .SYNOPSIS
    Shows who is signed in, to which tenant and cloud, and what each token allows (never the tokens).
    #>
    [CmdletBinding()]
    [OutputType('PimRust.Context')]
    param()

    ConvertTo-PimContext -Context (Invoke-PimNativeOperation -Method 'auth.context')
}
