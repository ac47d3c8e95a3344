#Requires -Version 7.4
<#
.SYNOPSIS
Installs the module package as a Gallery user gets it, then uses it: a local folder repository,
Publish-PSResource, Install-PSResource -Scope CurrentUser, Import-Module by name, help, and a listing
against the sandbox tenant. Any step that fails throws.

.DESCRIPTION
Run by `cargo xtask test` (the step "install like a user") in a fresh pwsh whose HOME is a new temporary
folder and whose PSModulePath is pwsh's default, so the module can only come from the install. On Windows,
CurrentUser installs go to the Documents folder, which HOME does not move: there the script refuses to
run over an existing CurrentUser install of PimRust, and xtask uninstalls the test's install once this
process has exited (its loaded DLLs are locked until then).
#>
[CmdletBinding()]
param(
    # The .nupkg written by `cargo xtask package`.
    [Parameter(Mandatory)] [string] $Package,

    # The pimrust-emulator binary (the sandbox tenant).
    [Parameter(Mandatory)] [string] $Emulator
)

$ErrorActionPreference = 'Stop'
$stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
function Write-Step {
    param([Parameter(Mandatory)] [string] $Text)
    Write-Output ('install: [{0,5:N1} s] {1}' -f $stopwatch.Elapsed.TotalSeconds, $Text)
}

# Publish-PSResource writes NuGet/NuGet.Config under the process's working folder: keep it in HOME.
Set-Location -Path $HOME
[System.IO.Directory]::SetCurrentDirectory($HOME)
if (-not (Get-Module -Name Microsoft.PowerShell.PSResourceGet -ListAvailable | Where-Object -Property Version -GE -Value ([version]'1.1.0'))) {
    throw 'Publish-PSResource -NupkgPath needs PSResourceGet 1.1+ (it ships with PowerShell 7.6): run `cargo xtask setup` or use pwsh 7.6+.'
}
if ($IsWindows -and (Get-InstalledPSResource -Name PimRust -Scope CurrentUser -ErrorAction Ignore)) {
    throw 'PimRust is already installed for the current user; this test would replace it. Uninstall-PSResource PimRust first.'
}
Write-Step "HOME is $HOME; PSResourceGet $((Get-Module -Name Microsoft.PowerShell.PSResourceGet -ListAvailable | Select-Object -First 1).Version)"

$repository = Join-Path -Path $HOME -ChildPath 'local-repository'
$null = New-Item -ItemType Directory -Path $repository
Register-PSResourceRepository -Name Local -Uri $repository -Trusted
Write-Step "registered repository Local at $repository"

Publish-PSResource -NupkgPath $Package -Repository Local
Write-Step "published $(Split-Path -Path $Package -Leaf): $((Get-ChildItem -Path $repository).Name -join ', ')"

$installed = Install-PSResource -Name PimRust -Repository Local -Scope CurrentUser -PassThru
# Tells xtask that this install is the test's own to remove (Windows).
$null = New-Item -ItemType File -Path (Join-Path -Path $HOME -ChildPath 'pimrust-installed-by-test')
Write-Step "installed $($installed.Name) $($installed.Version) into $($installed.InstalledLocation)"
$installedRoot = Join-Path -Path $installed.InstalledLocation -ChildPath 'PimRust' -AdditionalChildPath "$($installed.Version)"
$files = Get-ChildItem -Path $installedRoot -Recurse -File |
    ForEach-Object { [System.IO.Path]::GetRelativePath($installedRoot, $_.FullName).Replace('\', '/') } |
    Sort-Object
Write-Step "installed files: $($files -join ', ')"
$rid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant())"
$library = if ($IsWindows) { 'pimrust.dll' } elseif ($IsMacOS) { 'libpimrust.dylib' } else { 'libpimrust.so' }
foreach ($expected in 'PimRust.psd1', 'PimRust.Format.ps1xml', 'LICENSE', 'lib/PimRust.Commands.dll', 'lib/PimRust.Interop.dll', 'en-US/PimRust.Commands.dll-Help.xml', 'en-US/about_PimRust.help.txt', "runtimes/$rid/native/$library") {
    if ($expected -notin $files) { throw "The installed module lacks $expected." }
}

Import-Module -Name PimRust
$module = Get-Module -Name PimRust
if ($module.ModuleBase -ne $installedRoot) {
    throw "Import-Module PimRust loaded '$($module.ModuleBase)', not the installed '$installedRoot'."
}
$native = [PimRust.Interop.NativeLoader]::LibraryPath
if (-not $native.StartsWith($installedRoot)) { throw "The native library came from '$native'." }
Write-Step "Import-Module PimRust: $($module.Version) from $($module.ModuleBase), native $([System.IO.Path]::GetRelativePath($installedRoot, $native))"
$notes = $module.PrivateData.PSData.ReleaseNotes
if (-not $notes) { throw 'The installed manifest has no ReleaseNotes.' }
Write-Step "ProjectUri $($module.ProjectUri), LicenseUri $($module.LicenseUri), release notes: $(@($notes -split "`n").Count) lines"

$help = Get-Help -Name Invoke-PimActivation -Examples
$examples = @($help.examples.example)
if ($examples.Count -lt 1 -or -not ($examples[0].code -match 'Invoke-PimActivation')) {
    throw 'Get-Help Invoke-PimActivation -Examples shows no example.'
}
Write-Step "Get-Help Invoke-PimActivation -Examples: $($examples.Count) examples; the first:"
$examples[0] | Out-String -Width 120 | ForEach-Object { $_.Trim() }

$env:PIMRUST_EMULATOR = $Emulator
. (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'Pester', 'Sandbox.ps1')
$sandbox = Start-PimSandbox
try {
    Connect-PimSandbox -Sandbox $sandbox
    $roles = @(Get-PimEligibleRole)
    if ($roles.Count -lt 1) { throw 'Get-PimEligibleRole listed no role from the sandbox.' }
    Write-Step "Get-PimEligibleRole against the sandbox at $($sandbox.Url): $($roles.Count) roles"
    $roles | Format-Table | Out-String -Width 160 | ForEach-Object { $_.TrimEnd() }
}
finally {
    Stop-PimSandbox -Sandbox $sandbox
}
Write-Step 'passed'
