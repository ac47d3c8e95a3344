function ConvertTo-PimDurationText {
    # -Duration accepts a TimeSpan, an ISO 8601 duration (PT2H), 'Max', or TimeSpan text (02:00:00).
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [object] $Duration)

    if ($Duration -is [timespan]) { return [System.Xml.XmlConvert]::ToString($Duration) }
    $text = "$Duration".Trim()
    if ($text -eq 'Max') { return 'Max' }
    if ($text -match '^P') { return $text.ToUpperInvariant() }
    $parsed = [timespan]::Zero
    if ([timespan]::TryParse($text, [cultureinfo]::InvariantCulture, [ref]$parsed)) {
        return [System.Xml.XmlConvert]::ToString($parsed)
    }
    throw [System.ArgumentException]::new("-Duration '$text' is not a TimeSpan, an ISO 8601 duration such as PT2H, or Max.")
}
