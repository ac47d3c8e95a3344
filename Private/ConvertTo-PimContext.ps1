function ConvertTo-PimContext {
    # Shapes the native context into the PimRust.Context object the format file displays.
    [CmdletBinding()]
    [OutputType('PimRust.Context')]
    param(
        [Parameter(Mandatory)]
        [psobject] $Context
    )

    $tokens = foreach ($token in @($Context.PSObject.Properties['tokens']?.Value)) {
        if ($null -eq $token) { continue }
        [pscustomobject]@{
            PSTypeName = 'PimRust.TokenInfo'
            Resource   = $token.resource
            ExpiresOn  = [datetimeoffset]$token.expiresOn
            Source     = $token.source
            Scopes     = @($token.scopes)
            Amr        = @($token.amr)
            Acrs       = @($token.acrs)
            StepUp     = [bool]$token.stepUp
        }
    }
    [pscustomobject]@{
        PSTypeName  = 'PimRust.Context'
        Connected   = [bool]$Context.connected
        Account     = $Context.PSObject.Properties['account']?.Value
        TenantId    = $Context.PSObject.Properties['tenantId']?.Value
        Tenant      = $Context.PSObject.Properties['tenant']?.Value
        Environment = $Context.PSObject.Properties['environment']?.Value
        Endpoints   = $Context.PSObject.Properties['endpoints']?.Value
        ClientIds   = $Context.PSObject.Properties['clientIds']?.Value
        TokenCache  = $Context.PSObject.Properties['tokenCache']?.Value
        Tokens      = @($tokens)
    }
}
