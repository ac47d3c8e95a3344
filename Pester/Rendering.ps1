# Reads PowerShell's rendered views back, for the tests of PimRust.Format.ps1xml: the lines a view prints at a
# width, its table cells, and the names and kinds a view is expected to show.

function Get-RenderedLine {
    # The lines the default view (or the list view) prints at this width, without colour codes.
    param(
        [Parameter(Mandatory)] [object[]] $InputObject,
        [Parameter(Mandatory)] [int] $Width,
        [switch] $List
    )
    $text = if ($List) {
        $InputObject | Format-List | Out-String -Width $Width
    }
    else {
        $InputObject | Out-String -Width $Width
    }
    @(($text -replace '\e\[[0-9;]*m', '') -split '\r?\n')
}

function ConvertFrom-RenderedTable {
    # Reads a rendered table back: the header labels, and per row the text of each cell, one entry per
    # line the cell takes (a wrapped cell continues on lines whose first column is blank). Every column
    # of these views is left-aligned, so a column starts where its dashes start.
    param([Parameter(Mandatory)] [AllowEmptyString()] [string[]] $Line)
    $rule = -1
    for ($i = 1; $i -lt $Line.Count; $i++) {
        if ($Line[$i] -match '^-+( +-+)* *$') {
            $rule = $i
            break
        }
    }
    if ($rule -lt 1) {
        throw "No table header in:`n$($Line -join "`n")"
    }
    $starts = @([regex]::Matches($Line[$rule], '-+') | ForEach-Object -MemberName Index)
    $slice = {
        param([string] $Text, [int] $Column)
        $from = $starts[$Column]
        $to = if ($Column + 1 -lt $starts.Count) { $starts[$Column + 1] - 1 } else { [int]::MaxValue }
        if ($from -ge $Text.Length) {
            return ''
        }
        $Text.Substring($from, [math]::Min($to, $Text.Length) - $from).TrimEnd()
    }
    $labels = @(for ($k = 0; $k -lt $starts.Count; $k++) { (& $slice $Line[$rule - 1] $k).Trim() })
    $rows = [System.Collections.Generic.List[object]]::new()
    $row = $null
    for ($i = $rule + 1; $i -lt $Line.Count -and $Line[$i].Trim(); $i++) {
        $cells = @(for ($k = 0; $k -lt $starts.Count; $k++) { & $slice $Line[$i] $k })
        if ($cells[0].Trim()) {
            $row = [ordered]@{}
            foreach ($label in $labels) {
                $row[$label] = [System.Collections.Generic.List[string]]::new()
            }
            $rows.Add($row)
        }
        for ($k = 0; $k -lt $starts.Count; $k++) {
            if ($cells[$k].Trim()) {
                $row[$labels[$k]].Add($cells[$k])
            }
        }
    }
    [pscustomobject]@{
        Labels          = $labels
        HeaderIsOneLine = ($rule -lt 2) -or -not $Line[$rule - 2].Trim()
        Rows            = @($rows | ForEach-Object { [pscustomobject]$_ })
    }
}

function Get-ExpectedName {
    # The name a view shows, which is also the text -Name takes: 'Finance Approvers (member)'.
    param([Parameter(Mandatory)] $Role)
    $access = $Role.PSObject.Properties['AccessId']?.Value
    if ($access) { '{0} ({1})' -f $Role.RoleName, $access } else { $Role.RoleName }
}

function Get-ExpectedKind {
    param([Parameter(Mandatory)] [string] $Kind)
    @{ DirectoryRole = 'Role'; Group = 'Group'; AzureResource = 'Azure' }[$Kind]
}

function Assert-FitsAndUncut {
    # No line wider than the screen, and no cell cut short with an ellipsis.
    param([Parameter(Mandatory)] [AllowEmptyString()] [string[]] $Line, [Parameter(Mandatory)] [int] $Width)
    @($Line | Where-Object { $_.Length -gt $Width }) | Should -BeNullOrEmpty -Because "every line must fit $Width columns"
    ($Line -join "`n") | Should -Not -Match "$([char]0x2026)|\.\.\." -Because 'nothing may be truncated (an ellipsis marks a cut cell)'
}

function Join-Wrapped {
    # A cell wrapped over several lines, as one line of words.
    param([AllowEmptyString()] [string[]] $Text)
    (($Text -join ' ') -split '\s+' | Where-Object { $_ }) -join ' '
}

function Get-Squeezed {
    # Text without any whitespace, to compare a wrapped cell with the text it holds whatever the
    # culture (word wrap in en/fr/de/it/pt/es, character wrap elsewhere).
    param([AllowEmptyString()] [string[]] $Text)
    ($Text -join '') -replace '\s', ''
}
