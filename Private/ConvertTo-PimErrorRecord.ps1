function ConvertTo-PimErrorRecord {
    <#
    .SYNOPSIS
    Turns a native error into an ErrorRecord whose FullyQualifiedErrorId starts with the stable
    'PimRust.<Kind>[.<Code>]' identifier.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [PimRust.Interop.PimError] $PimError,

        [AllowNull()]
        [object] $TargetObject
    )

    $category = switch ($PimError.Kind) {
        'InvalidArgument' { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'UnknownMethod' { [System.Management.Automation.ErrorCategory]::NotImplemented }
        'Cancelled' { [System.Management.Automation.ErrorCategory]::OperationStopped }
        'Timeout' { [System.Management.Automation.ErrorCategory]::OperationTimeout }
        default { [System.Management.Automation.ErrorCategory]::NotSpecified }
    }
    $exception = [System.InvalidOperationException]::new($PimError.Message)
    $exception.Data['PimErrorKind'] = $PimError.Kind
    $exception.Data['PimErrorCode'] = $PimError.Code
    $exception.Data['HttpStatus'] = $PimError.HttpStatus
    [System.Management.Automation.ErrorRecord]::new($exception, $PimError.ErrorId, $category, $TargetObject)
}
