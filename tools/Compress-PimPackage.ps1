#Requires -Version 7.4
<#
.SYNOPSIS
Packs a staged module folder into its Gallery package (.nupkg) with PSResourceGet's Compress-PSResource,
then lists the package's files and sizes.

.DESCRIPTION
Run by `cargo xtask package` (./build.ps1 Package), which stages the module with every RID's native
library and the release notes first. Compress-PSResource validates the manifest as Publish-PSResource
does, so a package it writes is one the Gallery accepts.
#>
[CmdletBinding()]
param(
    # The staged module: a folder holding PimRust.psd1 and the files it names.
    [Parameter(Mandatory)] [string] $ModuleFolder,

    # Where the .nupkg is written.
    [Parameter(Mandatory)] [string] $Destination
)

$ErrorActionPreference = 'Stop'
Import-Module -Name Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.1.0
$manifest = Import-PowerShellDataFile -Path (Join-Path -Path $ModuleFolder -ChildPath 'PimRust.psd1')
Compress-PSResource -Path $ModuleFolder -DestinationPath $Destination
$package = Get-Item -Path (Join-Path -Path $Destination -ChildPath "PimRust.$($manifest.ModuleVersion).nupkg")

Add-Type -AssemblyName System.IO.Compression.FileSystem
$zip = [System.IO.Compression.ZipFile]::OpenRead($package.FullName)
try {
    $zip.Entries | Sort-Object -Property FullName | Format-Table -AutoSize -Property @(
        @{ Name = 'Bytes'; Expression = { $_.Length } }
        @{ Name = 'Compressed'; Expression = { $_.CompressedLength } }
        @{ Name = 'File'; Expression = { $_.FullName } }
    ) | Out-String -Width 200
    $unpacked = ($zip.Entries | Measure-Object -Property Length -Sum).Sum
    'package: {0} ({1:N0} bytes, {2} files, {3:N0} bytes unpacked)' -f $package.FullName, $package.Length, $zip.Entries.Count, $unpacked
}
finally {
    $zip.Dispose()
}
