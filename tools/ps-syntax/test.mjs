// Self-test of check.mjs: node --test tools/ps-syntax/test.mjs (or npm test --prefix tools/ps-syntax).
// Fixtures are written to a temporary folder, so no broken .ps1 file lives in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHECK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'check.mjs');

function run(args) {
  const r = spawnSync(process.execPath, [CHECK, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function withFiles(files, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-syntax-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Valid PowerShell 7 that must pass (several of these need the compat rewrites).
const VALID = {
  'empty.ps1': '',
  'comment-only.ps1': '# nothing here\n',
  'param-only.ps1': '[CmdletBinding()]\nparam([string] $Name)\n',
  'manifest.psd1': `@{
    RootModule        = 'M.psm1'
    ModuleVersion     = '1.0.0'
    FunctionsToExport = @(
        'Get-A'
        'Set-A'
    )
    PrivateData       = @{ PSData = @{ Tags = 'a', 'b' } }
}
`,
  'advanced.ps1': `function Get-A {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,
        [ValidateScript({ Test-Path -LiteralPath $_ })]
        [string] $Path = (Join-Path $PSScriptRoot 'x')
    )
    begin { $list = [System.Collections.Generic.List[string]]::new() }
    process {
        try {
            foreach ($n in $Name) { if ($PSCmdlet.ShouldProcess($n)) { $list.Add($n) } }
        }
        finally {
            Write-Verbose 'done'
        }
    }
    end { $list }
    clean { Remove-Variable list -ErrorAction Ignore }
}
`,
  'ps7-operators.ps1': `$a = $b ?? 'default'
$c ??= @{}
$d = $x -gt 1 ? 'big' : 'small'
$e = $obj?.Items?.Count
$f = \${arr}?[0]
Get-Item x && Write-Output ok || Write-Output fail
`,
  'strings.ps1': `$s = @"
Hello $Name, $($items.Count) "items"
"@
$v = @'
literal $x 'q'
'@
$t = "tab\`t ""dq"" \${env:HOME} it's"
$u = 'it''s'
`,
  'switch.ps1': `switch -Regex ($line) {
    '^#' { 'comment'; break }
    default { 'other' }
}
switch ($n) { 1 { 'one' } 2 { 'two' } default { 'many' } }
`,
  'classes.ps1': `enum Color { Red; Green = 2 }
[Flags()] enum Access { Read = 1; Write = 2 }
class Base { [string] $Name }
class Item : Base {
    [ValidateNotNull()][ValidateLength(1, 9)][string] $Code
    static [int] $Count = 0
    Item([string] $n) { $this.Name = $n }
    [string] ToString() { return "Item $($this.Name)" }
}
class MyError : System.Exception {
    MyError([string] $m) : base($m) { }
}
`,
  'misc.ps1': `. $PSScriptRoot/Private/Helpers.ps1
Get-ChildItem $PSScriptRoot/lib -Filter *.dll | Select-Object Name, Length
Export-ModuleMember -Function Get-A, Set-A
$names = $items.ForEach({ $_.Name })
$sb = { param($x) $x * 2 }
function f { param([string] $a) "hi $a" }
$big = 10MB + 0b1010 + 5u
$inList = 'a' -cin $list
$t = [System.Environment+SpecialFolder]::Desktop
:outer foreach ($i in 1..3) { foreach ($j in 1..3) { break outer } }
cargo test -- --nocapture
$x = [math]::Max(1, 2)
`,
  'crlf.ps1': 'function F {\r\n    param([int] $a)\r\n    $a + 1\r\n}\r\n',
};

// Broken PowerShell that must fail.
const BROKEN = {
  'unclosed-brace.ps1': 'function F {\n    if ($a) {\n        1\n}\n',
  'unclosed-string.ps1': '$a = "unclosed\nWrite-Host $a\n',
  'unclosed-verbatim.ps1': "Get-ChildItem -Filter *.ps1' -File\n",
  'stray-paren.ps1': 'Write-Host "x")\n',
  'unclosed-hashtable.psd1': '@{\n    A = 1\n',
  'trailing-comma-param.ps1': 'function F {\n    param([string] $a,)\n}\n',
  'dangling-operator.ps1': '$a = 1 +\n',
  'missing-value.ps1': '$a =\n',
  'coalesce-no-rhs.ps1': '$x = $a ??\n',
  'ternary-incomplete.ps1': '$v = $c ? 1 :\n',
  'try-alone.ps1': 'try { 1 }\n$x = 2\n',
  'unclosed-herestring.ps1': '$s = @"\nno end\n',
  'mismatched.ps1': '$x = @(1, 2}\n',
};

test('valid PowerShell passes', () => {
  withFiles(VALID, (dir) => {
    const r = run([dir]);
    assert.equal(r.out, `ps-syntax: ${Object.keys(VALID).length} files checked, 0 with errors\n`);
    assert.equal(r.code, 0);
  });
});

for (const [name, text] of Object.entries(BROKEN)) {
  test(`broken: ${name}`, () => {
    withFiles({ [name]: text }, (dir) => {
      const r = run([path.join(dir, name)]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, new RegExp(`${name.replace('.', '\\.')}:\\d+:\\d+: syntax error near '`));
      assert.match(r.out, /ps-syntax: 1 files checked, 1 with errors\n$/);
    });
  });
}

test('reports line and column, walks folders, skips other extensions', () => {
  withFiles({ 'a/ok.psm1': '$x = 1\n', 'a/b/bad.ps1': '$x = 1\n$y = (2 +\n', 'a/notes.txt': '(((' }, (dir) => {
    const r = run([path.join(dir, 'a')]);
    assert.equal(r.code, 1);
    assert.match(r.out, /bad\.ps1:2:\d+: syntax error near '/);
    assert.match(r.out, /ps-syntax: 2 files checked, 1 with errors\n$/);
  });
});

test('--strict shows what the grammar alone rejects', () => {
  withFiles({ 'x.ps1': '$a = $b ?? 1\n' }, (dir) => {
    assert.equal(run([dir]).code, 0);
    assert.equal(run(['--strict', dir]).code, 1);
  });
});

test('usage errors exit 2', () => {
  assert.equal(run([]).code, 2);
  assert.equal(run(['/nonexistent/path/x.ps1']).code, 2);
});
