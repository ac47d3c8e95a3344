#Requires -Version 7.4
<#
.SYNOPSIS
Builds the MAML help of the PimRust cmdlets from docs/help/*.md with platyPS v1, and copies
about_PimRust.help.txt beside it.

.DESCRIPTION
Compiled cmdlets read their help from en-US/PimRust.Commands.dll-Help.xml in the module folder. This
script converts the markdown sources (one file per command, platyPS v1 format) with
Import-MarkdownCommandHelp | Export-MamlCommandHelp, then normalises the result so that Get-Help shows
it well and every run writes the same bytes:
- each example becomes code (the indented block that opens it) and remarks (the sentences after it);
  platyPS 1.0.3 puts both, with U+0080 separator paragraphs, into the example's introduction;
- each parameter gets its DefaultValue from the markdown (platyPS 1.0.3 leaves it out of the MAML);
- a related link to a relative address (another markdown file, for GitHub) keeps its text and loses
  the address, which Get-Help would reject; an "Online Version" link without an address is dropped;
- UTF-8 without BOM, LF line endings, two-space indentation (the same on every OS).
The MAML carries no dates or versions, so nothing changes from run to run.

The generated file is checked in at en-US/PimRust.Commands.dll-Help.xml. -Check regenerates it in a
temporary folder and fails when the checked-in copy differs (run by `cargo xtask test`).

platyPS (Microsoft.PowerShell.PlatyPS 1.0.3 or later 1.x) is imported from the module path:
put ../shared/psmodules on PSModulePath, or Install-PSResource Microsoft.PowerShell.PlatyPS.

.PARAMETER OutputFolder
Folder that receives en-US/PimRust.Commands.dll-Help.xml and en-US/about_PimRust.help.txt: an
assembled module folder (out/PimRust/<version>), or the repo root (the default) to refresh the
checked-in copy.

.PARAMETER Check
Regenerate into a temporary folder and compare with the checked-in en-US/PimRust.Commands.dll-Help.xml;
exit 1, naming the first difference, when they differ. Writes nothing in the repo.

.EXAMPLE
pwsh -NoProfile -File tools/Build-PimHelp.ps1                                  # refresh en-US/ in the repo
pwsh -NoProfile -File tools/Build-PimHelp.ps1 -OutputFolder out/PimRust/0.1.0   # into an assembled module
pwsh -NoProfile -File tools/Build-PimHelp.ps1 -Check                            # drift check
#>
[CmdletBinding(DefaultParameterSetName = 'Build')]
param(
    [Parameter(ParameterSetName = 'Build')]
    [ValidateNotNullOrEmpty()]
    [string] $OutputFolder,

    [Parameter(Mandatory, ParameterSetName = 'Check')]
    [switch] $Check
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = Split-Path -Path $PSScriptRoot -Parent
$sourceFolder = Join-Path -Path $root -ChildPath 'docs' -AdditionalChildPath 'help'
$aboutSource = Join-Path -Path $root -ChildPath 'en-US' -AdditionalChildPath 'about_PimRust.help.txt'
$checkedIn = Join-Path -Path $root -ChildPath 'en-US' -AdditionalChildPath 'PimRust.Commands.dll-Help.xml'
$helpFileName = 'PimRust.Commands.dll-Help.xml'
$moduleName = 'PimRust'

function Import-PlatyPS {
    # platyPS v1 from the module path; v0.14 (platyPS) has other cmdlet names and is not used.
    $module = Get-Module -Name Microsoft.PowerShell.PlatyPS -ListAvailable |
        Where-Object -Property Version -GE -Value ([version]'1.0.0') |
        Sort-Object -Property Version -Descending |
        Select-Object -First 1
    if (-not $module) {
        throw 'Microsoft.PowerShell.PlatyPS 1.x was not found on PSModulePath: prepend ../shared/psmodules to PSModulePath, or run Install-PSResource Microsoft.PowerShell.PlatyPS.'
    }
    Import-Module -Name $module.Path -Force
}

function Test-AboutTopic {
    # The about topic is shown as is by Get-Help: it must keep to 80 columns.
    param([Parameter(Mandatory)] [string] $Path)

    $lineNumber = 0
    $tooLong = foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
        $lineNumber++
        if ($line.Length -gt 80) { "line ${lineNumber}: $($line.Length) characters" }
    }
    if ($tooLong) {
        throw "$Path has lines over 80 characters: $($tooLong -join '; ')."
    }
}

function Get-HelpSource {
    # The markdown sources in ordinal order, checked for what platyPS would otherwise accept silently.
    $files = @(Get-ChildItem -Path $sourceFolder -Filter '*.md' -File | Sort-Object -Property Name -Culture ([cultureinfo]::InvariantCulture))
    if ($files.Count -eq 0) {
        throw "No markdown help was found in $sourceFolder."
    }
    $problems = foreach ($file in $files) {
        $text = [System.IO.File]::ReadAllText($file.FullName)
        if ($text -match '\{\{.*?\}\}') {
            "$($file.Name): template placeholder left in: $($Matches[0])"
        }
        if ($text -notmatch "(?m)^external help file: $([regex]::Escape($helpFileName))\s*$") {
            "$($file.Name): the front matter must say 'external help file: $helpFileName'"
        }
        if ($text -notmatch "(?m)^Module Name: $moduleName\s*$") {
            "$($file.Name): the front matter must say 'Module Name: $moduleName'"
        }
        if ($text -match '(?m)^```(?!yaml\s*$)\S') {
            "$($file.Name): fenced code with a language is kept literally by platyPS 1.0.3; indent example code by four spaces instead"
        }
    }
    if ($problems) {
        throw "The markdown help needs fixing:`n$($problems -join "`n")"
    }
    $files
}

function Convert-Example {
    # platyPS 1.0.3 writes the whole example body as introduction paragraphs: the code (first line
    # trimmed, the others still indented by four), U+0080 separators, then the remarks. Give Get-Help
    # the usual shape instead: introduction 'PS > ', the code, the remarks.
    # A markdown example is therefore: a four-space indented code block, then one or more paragraphs.
    param(
        [Parameter(Mandatory)] [System.Xml.XmlElement] $Example,
        [Parameter(Mandatory)] [System.Xml.XmlNamespaceManager] $Namespaces,
        [Parameter(Mandatory)] [string] $CommandName
    )

    $code = $Example.SelectSingleNode('dev:code', $Namespaces)
    $remarks = $Example.SelectSingleNode('dev:remarks', $Namespaces)
    $introduction = $Example.SelectSingleNode('maml:introduction', $Namespaces)
    $title = $Example.SelectSingleNode('maml:title', $Namespaces).InnerText
    if ($null -eq $introduction -or $null -eq $code -or $null -eq $remarks) {
        throw "${CommandName}: example '$title' lacks an introduction, code or remarks element; has platyPS changed?"
    }
    if ($code.InnerText.Trim()) {
        return  # already in the usual shape (a platyPS that splits examples itself)
    }
    $paragraphs = @($introduction.SelectNodes('maml:para', $Namespaces) |
            ForEach-Object -Process { $_.InnerText } |
            Where-Object -FilterScript { $_.Trim([char]0x80).Trim() })
    if ($paragraphs.Count -lt 2) {
        throw "${CommandName}: example '$title' needs indented code followed by at least one sentence."
    }
    $lines = ($paragraphs[0] -replace "`r`n", "`n") -split "`n"
    $codeText = (@($lines[0].Trim()) + @($lines | Select-Object -Skip 1 | ForEach-Object -Process { $_ -replace '^ {4}', '' })) -join "`n"
    $introduction.RemoveAll()
    $prompt = $introduction.OwnerDocument.CreateElement('maml', 'para', $Namespaces.LookupNamespace('maml'))
    $prompt.InnerText = 'PS > '
    $null = $introduction.AppendChild($prompt)
    $code.InnerText = $codeText.TrimEnd()
    $remarks.RemoveAll()
    foreach ($paragraph in $paragraphs | Select-Object -Skip 1) {
        $element = $remarks.OwnerDocument.CreateElement('maml', 'para', $Namespaces.LookupNamespace('maml'))
        $element.InnerText = $paragraph.Trim()
        $null = $remarks.AppendChild($element)
    }
    # An empty closing paragraph: Get-Help then leaves a blank line before the next example.
    $null = $remarks.AppendChild($remarks.OwnerDocument.CreateElement('maml', 'para', $Namespaces.LookupNamespace('maml')))
}

function ConvertTo-NormalizedMaml {
    # Reshapes the examples, adds default values, fixes links, and returns the MAML text (LF, no BOM).
    param(
        [Parameter(Mandatory)] [string] $Path,

        # Command name -> parameter name -> default value, from the markdown.
        [Parameter(Mandatory)] [hashtable] $DefaultValues
    )

    $document = [System.Xml.XmlDocument]::new()
    $document.PreserveWhitespace = $false
    $document.Load($Path)
    $namespaces = [System.Xml.XmlNamespaceManager]::new($document.NameTable)
    $namespaces.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
    $namespaces.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
    $namespaces.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    $commands = @($document.SelectNodes('//command:command', $namespaces))
    foreach ($command in $commands) {
        $name = $command.SelectSingleNode('command:details/command:name', $namespaces).InnerText
        foreach ($example in $command.SelectNodes('command:examples/command:example', $namespaces)) {
            Convert-Example -Example $example -Namespaces $namespaces -CommandName $name
        }
        foreach ($parameter in $command.SelectNodes('command:parameters/command:parameter', $namespaces)) {
            $parameterName = $parameter.SelectSingleNode('maml:name', $namespaces).InnerText
            $value = $DefaultValues[$name][$parameterName]
            if ($value -and $null -eq $parameter.SelectSingleNode('dev:defaultValue', $namespaces)) {
                $element = $document.CreateElement('dev', 'defaultValue', $namespaces.LookupNamespace('dev'))
                $element.InnerText = $value
                $null = $parameter.AppendChild($element)
            }
        }
        foreach ($link in @($command.SelectNodes('command:relatedLinks/maml:navigationLink', $namespaces))) {
            $uri = $link.SelectSingleNode('maml:uri', $namespaces)
            $text = $link.SelectSingleNode('maml:linkText', $namespaces).InnerText
            $address = if ($null -ne $uri) { $uri.InnerText.Trim() } else { '' }
            if ($text -eq 'Online Version' -and -not $address) {
                $null = $link.ParentNode.RemoveChild($link)
            }
            elseif ($address -and -not [uri]::IsWellFormedUriString($address, [System.UriKind]::Absolute)) {
                $uri.InnerText = ''
            }
        }
    }
    # No U+0080 separator may survive anywhere (it shows as a stray character in Get-Help).
    foreach ($paragraph in @($document.SelectNodes('//maml:para', $namespaces))) {
        if ($paragraph.InnerText.Contains([char]0x80)) {
            if ($paragraph.InnerText.Trim([char]0x80).Trim()) {
                $paragraph.InnerText = $paragraph.InnerText.Replace([string][char]0x80, '')
            }
            else {
                $null = $paragraph.ParentNode.RemoveChild($paragraph)
            }
        }
    }
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::Replace
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $buffer = [System.IO.StringWriter]::new([cultureinfo]::InvariantCulture)
    $writer = [System.Xml.XmlWriter]::Create($buffer, $settings)
    try {
        $document.Save($writer)
    }
    finally {
        $writer.Dispose()
    }
    # StringWriter is UTF-16: say utf-8, which is what the file is written as.
    ($buffer.ToString() -replace '^<\?xml version="1.0" encoding="utf-16"\?>', '<?xml version="1.0" encoding="utf-8"?>') + "`n"
}

function Build-Maml {
    # Converts the markdown into normalised MAML text, in a scratch folder that is removed afterwards.
    $scratch = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "pimrust-help-$([guid]::NewGuid().ToString('n'))"
    try {
        $sources = Get-HelpSource
        $help = @($sources | ForEach-Object -Process { Import-MarkdownCommandHelp -Path $_.FullName })
        $defaultValues = @{}
        foreach ($command in $help) {
            $defaultValues[$command.Title] = @{}
            foreach ($parameter in $command.Parameters) {
                $defaultValues[$command.Title][$parameter.Name] = "$($parameter.DefaultValue)".Trim()
            }
        }
        $null = $help | Export-MamlCommandHelp -OutputFolder $scratch -Force
        $written = @(Get-ChildItem -Path $scratch -Recurse -File)
        $expected = Join-Path -Path $scratch -ChildPath $moduleName -AdditionalChildPath $helpFileName
        if ($written.Count -ne 1 -or $written[0].FullName -ne $expected) {
            throw "platyPS wrote $($written.FullName -join ', ') instead of one $expected."
        }
        ConvertTo-NormalizedMaml -Path $expected -DefaultValues $defaultValues
    }
    finally {
        Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction Ignore
    }
}

$started = [System.Diagnostics.Stopwatch]::StartNew()
Import-PlatyPS
Test-AboutTopic -Path $aboutSource
$maml = Build-Maml

if ($Check) {
    if (-not (Test-Path -LiteralPath $checkedIn)) {
        Write-Output "help drift: $checkedIn is missing; run: pwsh -NoProfile -File tools/Build-PimHelp.ps1"
        exit 1
    }
    $current = [System.IO.File]::ReadAllText($checkedIn) -replace "`r`n", "`n"
    if ($current -cne $maml) {
        $old = $current -split "`n"
        $new = $maml -split "`n"
        $line = 0
        while ($line -lt [math]::Min($old.Count, $new.Count) -and $old[$line] -ceq $new[$line]) { $line++ }
        $was = if ($line -lt $old.Count) { $old[$line].Trim() } else { '(end of file)' }
        $now = if ($line -lt $new.Count) { $new[$line].Trim() } else { '(end of file)' }
        Write-Output "help drift: en-US/$helpFileName is not what docs/help/*.md generate (first difference at line $($line + 1)):"
        Write-Output "  checked in: $was"
        Write-Output "  generated:  $now"
        Write-Output 'Run: pwsh -NoProfile -File tools/Build-PimHelp.ps1   and commit docs/help and en-US together.'
        exit 1
    }
    Write-Output "help: en-US/$helpFileName matches docs/help ($([math]::Round($started.Elapsed.TotalSeconds, 1)) s)"
    exit 0
}

if (-not $OutputFolder) {
    $OutputFolder = $root
}
# .NET file APIs resolve relative paths against the process folder, not the PowerShell location.
$target = Join-Path -Path $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputFolder) -ChildPath 'en-US'
$null = New-Item -Path $target -ItemType Directory -Force
$targetFile = Join-Path -Path $target -ChildPath $helpFileName
[System.IO.File]::WriteAllText($targetFile, $maml, [System.Text.UTF8Encoding]::new($false))
$aboutTarget = Join-Path -Path $target -ChildPath 'about_PimRust.help.txt'
if ([System.IO.Path]::GetFullPath($aboutTarget) -ne [System.IO.Path]::GetFullPath($aboutSource)) {
    Copy-Item -LiteralPath $aboutSource -Destination $aboutTarget -Force
}
Write-Output "help: wrote $targetFile and about_PimRust.help.txt ($([math]::Round($started.Elapsed.TotalSeconds, 1)) s)"
