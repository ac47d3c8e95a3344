#!/usr/bin/env node
// Offline syntax check for PowerShell files (.ps1, .psm1, .psd1).
//
//   node tools/ps-syntax/check.mjs [--strict] <file-or-dir>...
//
// Parses every PowerShell file under the given paths with the tree-sitter-powershell
// grammar (its WebAssembly build, run by web-tree-sitter: no native build, no pwsh, no network)
// and prints `file:line:col: syntax error near '<text>'` for every ERROR / MISSING node
// (outermost ERROR nodes; MISSING nodes outside them). Lines and columns are 1-based,
// columns count characters. Exit code: 0 = clean, 1 = some file has errors, 2 = usage/IO error.
//
// The grammar rejects some valid PowerShell 7 syntax. When a file does not parse as it is, the
// lines with errors get the length-preserving rewrites of COMPAT_RULES below, which turn those
// constructs into equivalents the grammar accepts (so line:col stay right), and the errors of
// the last parse are the ones reported. --strict turns this off (the raw grammar's verdict).
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { createRequire } from 'node:module';

// The grammar's .wasm is ~1 MB of code. By default V8 recompiles it with its optimizing tier in the
// background and the process then waits ~10-30 s for that at exit. The baseline (Liftoff) code is
// fast enough here (a whole module parses in milliseconds), so the optimizing tier is turned off.
// Must run before web-tree-sitter compiles any WebAssembly, hence the dynamic import below.
v8.setFlagsFromString('--liftoff-only');
let Parser, Language;
try {
  ({ Parser, Language } = await import('web-tree-sitter'));
} catch (e) {
  console.error(`ps-syntax: cannot load web-tree-sitter (${e.code ?? e.message}); run: npm ci --prefix tools/ps-syntax`);
  process.exit(2);
}

const require = createRequire(import.meta.url);
const EXTENSIONS = new Set(['.ps1', '.psm1', '.psd1']);
const SKIP_DIRS = new Set(['node_modules', '.git']);

// ---------------------------------------------------------------------------------------------
// Compatibility rewrites. The grammar rejects some valid PowerShell (7) syntax. When a file does not
// parse, the rules below are applied, only to the lines that hold a parse error, and the file is
// parsed again (up to MAX_PASSES times, as fixing one spot can move the parser on to the next).
// Every rule keeps the text length and every line break, so a position in the rewritten text is the
// same position in the file. Each maps valid PowerShell to something of the same shape that the
// grammar knows; none closes an open brace, paren or string, so real errors (unclosed blocks or
// strings, stray brackets) still show.
const MAX_PASSES = 4;
const blank = (s) => s.replace(/[^\r\n]/g, ' ');
// One well-formed attribute `[Name]` or `[Name(args)]` (args with one level of nested () or []).
const ATTR = String.raw`\[[A-Za-z][\w.]*(?:\((?:[^()\[\]]|\([^()]*\)|\[[^\[\]]*\])*\))?\]`;

const COMPAT_RULES = [
  // `clean { }` named block (PowerShell 7.3) is unknown to the grammar: read it as `end`.
  [/(^|[\s;{}])clean(\s*\{)/gim, (m, a, b) => `${a}end  ${b}`],
  // `.ForEach(...)`: the grammar lexes `.foreach` as a keyword that must be followed by `{`, so
  // `.ForEach(` and members like `.ForEachThing` fail. `.ForEac_` is a plain member.
  [/\.([Ff][Oo][Rr][Ee][Aa][Cc])[Hh](?!\s*\{)/g, (m, a) => `.${a}_`],
  // Commands whose name starts with a keyword and a dash at the start of a statement
  // (`ForEach-Object -InputObject $x { }`, `Do-Thing`, `Data-Load`, `Param-Set`): the grammar reads
  // the keyword. The keyword's last letter becomes `_`.
  [/(?<![\w$.\-])(foreac|d|dat|para|sequenc|inlinescrip)([a-z])(?=-[A-Za-z])/gi, (m, a) => `${a}_`],
  // `??=` and `??` (PowerShell 7): read as `+=` and `-f` (both binary operators in the grammar).
  [/(?<!\$)\?\?=/g, () => ' +='],
  [/(?<!\$)\?\?/g, () => '-f'],
  // `-cin`, `-iin`, `-cnotin`, `-inotin` are missing from the grammar's operator list.
  [/-[ci]((?:not)?in)\b/gi, (m, op) => ` -${op}`],
  // Ternary `cond ? a : b` (PowerShell 7) on one line: read as `cond + a + b`.
  [/([\w)\]'"}])([ \t]+)\?([ \t]+)([^\r\n]*?\S)([ \t]+):(?!:)/g, (m, a, b, c, d, e) => `${a}${b}+${c}${d}${e}+`],
  // `break label` / `continue label`: the grammar only knows `break :label`; `$abel` is an expression.
  [/\b(break|continue)([ \t]+)[A-Za-z_](\w*)(?=[ \t]*(?:$|[;}#]))/gim, (m, kw, sp, rest) => `${kw}${sp}$${rest}`],
  // `} default {` on one line (one-line switch): the grammar wants a separator before `default`.
  [/\}[ \t](default\s*\{)/gi, (m, d) => `};${d}`],
  // `$PSScriptRoot/x.ps1`, `$env:TEMP\x` as a bare command argument or dot-sourced path: the grammar
  // does not join a variable with the path text after it. `_PSScriptRoot/x.ps1` is a bare word.
  [/(?<=(?:[\w.&][ \t]+|:))\$([A-Za-z_]\w*(?::[A-Za-z_]\w*)?)(?=[\\/][A-Za-z_.])/g, (m, v) => `_${v}`],
  // Bare-word lists in command arguments: `Select-Object Name, Length`, `-Function Get-A, Get-B`,
  // `-Include *.ps1,*.psm1`. Only on a line whose statement starts with a Verb-Noun command; the
  // commas become blanks (`a, b` -> `a  b`).
  [
    /(^|[|;{(]|&&|\|\|)([ \t]*[A-Za-z]+-[A-Za-z]\w*[ \t][^\r\n]*)/gm,
    (m, lead, rest) => lead + rest.replace(/(?<=[ \t,])([A-Za-z_*.\/\\~][\w.*\/\\:~-]*)[ \t]*,(?=[ \t]*(?:[^\s|;)}#]|$))/g, (s, w) => w + ' '.repeat(s.length - w.length)),
  ],
  // Class base list with qualified names: `class E : System.Exception` -> `System_Exception`.
  [/^([ \t]*class[ \t]+\w+[ \t]*:)([^{\r\n]+)/gim, (m, head, bases) => head + bases.replace(/[.]/g, '_')],
  // Constructor chaining `Ctor($x) : base($x) { }`: the `: base(...)` part is blanked.
  [/(\))(\s*:\s*base\s*\((?:[^()\r\n]|\([^()\r\n]*\))*\))/gi, (m, a, b) => a + blank(b)],
  // Attributes before `enum` (`[Flags()] enum X`) and an underlying type (`enum X : byte`): blanked.
  [new RegExp(String.raw`^([ \t]*)((?:${ATTR}\s*)+)(?=enum\b)`, 'gim'), (m, ind, attrs) => ind + blank(attrs)],
  [/(\benum[ \t]+\w+)([ \t]*:[ \t]*[\w.]+)(?=\s*\{)/gi, (m, a, b) => a + blank(b)],
  // More than one attribute before a class property (`[ValidateNotNull()][ValidateLength(1,9)][string]$x`):
  // the grammar allows one attribute plus a type. Well-formed attributes but the last one are blanked.
  [
    new RegExp(String.raw`^([ \t]*)((?:${ATTR}\s*){2,})(?=(?:(?:hidden|static)\s+)*\$\w)`, 'gim'),
    (m, ind, groups) => {
      const parts = groups.match(new RegExp(String.raw`${ATTR}\s*`, 'g'));
      const typed = /^\[[A-Za-z][\w.]*(?:\[[^\]]*\])?\]\s*$/.test(parts[parts.length - 1]);
      const keep = typed ? 2 : 1; // keep `[Attr(...)][type]` or the last `[Attr(...)]`
      return ind + blank(parts.slice(0, -keep).join('')) + parts.slice(-keep).join('');
    },
  ],
  // Number literals the grammar knows only in lower case or not at all: `10MB`, `1KB` (multipliers),
  // `10L`, `1u`, `1ul`, `5s`, `100n`, `1y` (type suffixes), `0b1010` (binary).
  [/(?<=\d)(kb|mb|gb|tb|pb)\b/gi, (m) => m.toLowerCase()],
  [/\b(\d+)(ul|us|uy|u|y|s|n|l|d)\b/gi, (m, d, suf) => d + '0'.repeat(suf.length - 1) + 'l'],
  [/\b0[bB]([01]+)/g, (m, bits) => `0x${bits}`],
  // A bare `--` command argument (`cargo test -- --nocapture`): read as a parameter `-_`.
  [/(?<=\w[ \t]+)--(?=[ \t]|$)/gm, () => '-_'],
  // Nested type names `[System.Environment+SpecialFolder]`: `+` read as `.`.
  [/(\[[\w.]+)\+(\w)/g, (m, a, b) => `${a}.${b}`],
  // Empty here-strings (`@"` with `"@` on the next line): read as `""`.
  [/@(["'])([ \t]*)(\r?\n)\1@/g, (m, q, sp, nl) => '""' + blank(sp) + nl + '  '],
];

// Null-conditional `x?.member` / `x?[index]` (PowerShell 7.1): the `?` is dropped and the rest of
// the member chain moves one character left, with a space after it, so the length stays the same.
function rewriteNullConditional(text, inRegion) {
  const re = /[\w)\]}]\?[.[]/g;
  let out = text;
  let m;
  while ((m = re.exec(out)) !== null) {
    const q = m.index + 1;
    if (!inRegion(q, q + 1)) continue;
    const chars = out.split('');
    let depth = 0;
    let e = q + 1;
    for (; e < chars.length; e++) {
      const c = chars[e];
      if (c === '\n' || c === '\r') break;
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (c === ' ' || c === '\t' || ',;|'.includes(c))) break;
    }
    for (let i = q; i < e - 1; i++) chars[i] = chars[i + 1];
    chars[e - 1] = ' ';
    out = chars.join('');
    re.lastIndex = q;
  }
  return out;
}

// Empty script blocks `{}`, `{ }`, `{ # comment }` (`-Begin {}`, `$OnRemove = {}`, `It 'x' {}`): the
// grammar wants a statement in a script block. A `;` goes into a blank inside the braces, or into a
// blank just before or after them (moving the brace by one).
function fixEmptyBlocks(text, inRegion) {
  const chars = text.split('');
  const re = /(?<![@$])\{((?:\s|#[^\r\n]*|<#[\s\S]*?#>)*)\}/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    const open = m.index;
    const close = open + m[0].length - 1;
    if (!inRegion(open, close + 1)) continue;
    let done = false;
    let inComment = false;
    for (let i = open + 1; i < close && !done; i++) {
      const c = text[i];
      if (c === '#') inComment = true;
      else if (c === '\n' || c === '\r') inComment = text.slice(open + 1, i).lastIndexOf('<#') > text.slice(open + 1, i).lastIndexOf('#>');
      else if (!inComment && (c === ' ' || c === '\t')) { chars[i] = ';'; done = true; }
    }
    if (done) continue;
    if (close === open + 1 && (text[open - 1] === ' ' || text[open - 1] === '\t')) {
      chars[open - 1] = '{';
      chars[open] = ';';
    } else if (close === open + 1 && (text[close + 1] === ' ' || text[close + 1] === '\t')) {
      chars[close] = ';';
      chars[close + 1] = '}';
    }
  }
  return chars.join('');
}

// `param(...)` followed by a statement on the same line (`function f { param($a) $a }`): the grammar
// wants a newline or `;` after a function's param block. Found on the tree, fixed with a `;`.
function fixParamBlocks(text, tree, inRegion) {
  const chars = text.split('');
  for (const node of tree.rootNode.descendantsOfType('param_block')) {
    const i = node.endIndex;
    if (!inRegion(i, i + 1) || (chars[i] !== ' ' && chars[i] !== '\t')) continue;
    let j = i;
    while (chars[j] === ' ' || chars[j] === '\t') j++;
    if (j >= chars.length || '\r\n;})#'.includes(chars[j])) continue;
    chars[i] = ';';
  }
  return chars.join('');
}

function applyCompat(text, tree, inRegion) {
  let out = rewriteNullConditional(text, inRegion);
  for (const [re, rep] of COMPAT_RULES) {
    out = out.replace(re, (...args) => {
      const hasGroups = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== null;
      const offset = args[args.length - (hasGroups ? 3 : 2)];
      const m = args[0];
      if (!inRegion(offset, offset + m.length)) return m;
      const r = rep(...args);
      if (r.length !== m.length) throw new Error(`ps-syntax: compat rule ${re} changed the length`);
      return r;
    });
  }
  out = fixEmptyBlocks(out, inRegion);
  return fixParamBlocks(out, tree, inRegion);
}

// Line ranges [start, end) of the given error nodes, as UTF-16 offsets into text.
function errorRegions(text, errors) {
  return errors.map((n) => {
    const s = Math.min(n.startIndex, text.length);
    const e = Math.min(Math.max(n.endIndex, s), text.length);
    const start = text.lastIndexOf('\n', s - 1) + 1;
    let end = text.indexOf('\n', e);
    if (end < 0) end = text.length;
    return [start, end];
  });
}

// ---------------------------------------------------------------------------------------------

function collectErrors(tree) {
  const errors = [];
  const cursor = tree.walk();
  for (;;) {
    const node = cursor.currentNode;
    if (node.isMissing) errors.push(node);
    // Outermost ERROR nodes only: what is inside one is the parser's recovery, not news.
    if (node.isError) errors.push(node);
    else if (cursor.gotoFirstChild()) continue;
    let next = false;
    do {
      if (cursor.gotoNextSibling()) { next = true; break; }
    } while (cursor.gotoParent());
    if (!next) break;
  }
  cursor.delete();
  return errors;
}

function parse(parser, text) {
  const tree = parser.parse(text);
  const errors = collectErrors(tree);
  if (errors.length) {
    // The grammar wants at least one statement in a file, but empty, comment-only and param-only
    // files are valid PowerShell: such a file parses once an empty statement is appended.
    const alt = parser.parse(text + '\n;');
    const list = alt.rootNode.children.find((c) => c.type === 'statement_list');
    const stmts = list ? list.namedChildren.filter((c) => c.type !== 'comment') : [];
    if (stmts.length === 1 && stmts[0].startIndex >= text.length && collectErrors(alt).length === 0) {
      tree.delete();
      return { tree: alt, errors: [] };
    }
    alt.delete();
  }
  return { tree, errors };
}

function checkText(parser, text, strict) {
  let { tree, errors } = parse(parser, text);
  let current = text;
  const regions = [];
  for (let pass = 0; !strict && errors.length && pass < MAX_PASSES; pass++) {
    const fresh = errorRegions(text, errors).filter(([s, e]) => !regions.some(([rs, re]) => rs <= s && e <= re));
    if (fresh.length === 0) break;
    regions.push(...fresh);
    const inRegion = (s, e) => regions.some(([rs, re]) => s < re && e > rs);
    const next = applyCompat(current, tree, inRegion);
    if (next === current) break;
    current = next;
    tree.delete();
    ({ tree, errors } = parse(parser, current));
  }
  const out = errors.map((n) => describe(n, text));
  // Things the grammar accepts but PowerShell does not.
  for (const node of tree.rootNode.descendantsOfType('try_statement')) {
    if (!node.children.some((c) => c.type === 'catch_clauses' || c.type === 'finally_clause')) {
      out.push({ index: node.startIndex, msg: `near '${snippet(text, node.startIndex)}' (try without catch or finally)` });
    }
  }
  tree.delete();
  const lines = new Set(out.map((e) => lineCol(text, e.index)[0]));
  for (const index of unterminatedStrings(text)) {
    if (!lines.has(lineCol(text, index)[0])) out.push({ index, msg: `near '${snippet(text, index)}' (string is missing its terminator)` });
  }
  return out;
}

// PowerShell's own string rules, as a lexer: every quote outside a comment or another string starts a
// string, also in the middle of a bare command argument (`-Filter *.ps1'`), which the grammar lets
// through. Curly quotes count as quotes, as in PowerShell. Returns the offsets of the opening quotes
// of strings that never end. Unterminated here-strings and block comments are left to the grammar.
function unterminatedStrings(text) {
  const n = text.length;
  const SQ = "'\u2018\u2019\u201a\u201b";
  const DQ = '"\u201c\u201d\u201e';
  const COMMENT_AFTER = ' \t\r\n\f\v\u00a0\ufeff;(){}|,=&';
  const out = [];
  let i = 0;

  function verbatim() {
    const start = i++;
    while (i < n) {
      if (SQ.includes(text[i])) {
        if (i + 1 < n && SQ.includes(text[i + 1])) { i += 2; continue; }
        i++;
        return;
      }
      i++;
    }
    out.push(start);
  }
  function expandable() {
    const start = i++;
    while (i < n) {
      const c = text[i];
      if (c === '`') { i += 2; continue; }
      if (DQ.includes(c)) {
        if (i + 1 < n && DQ.includes(text[i + 1])) { i += 2; continue; }
        i++;
        return;
      }
      if (c === '$' && text[i + 1] === '(') { i += 2; code(true); continue; }
      i++;
    }
    out.push(start);
  }
  function code(inSubexpression) {
    let depth = 0;
    while (i < n) {
      const c = text[i];
      if (c === '`') { i += 2; continue; }
      if (c === '<' && text[i + 1] === '#') {
        const e = text.indexOf('#>', i + 2);
        i = e < 0 ? n : e + 2;
        continue;
      }
      if (c === '#' && (i === 0 || COMMENT_AFTER.includes(text[i - 1]))) {
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
        continue;
      }
      if (c === '@' && i + 1 < n && (SQ.includes(text[i + 1]) || DQ.includes(text[i + 1])) && /^[ \t]*\r?\n/.test(text.slice(i + 2, i + 202))) {
        const closing = SQ.includes(text[i + 1]) ? /\n['\u2018\u2019\u201a\u201b]@/g : /\n["\u201c\u201d\u201e]@/g;
        closing.lastIndex = i + 2;
        const m = closing.exec(text);
        i = m ? m.index + m[0].length : n;
        continue;
      }
      if (SQ.includes(c)) { verbatim(); continue; }
      if (DQ.includes(c)) { expandable(); continue; }
      if (c === '$' && text[i + 1] === '{') {
        const e = text.indexOf('}', i);
        i = e < 0 ? n : e + 1;
        continue;
      }
      if (inSubexpression) {
        if (c === '(') depth++;
        else if (c === ')') {
          if (depth === 0) { i++; return; }
          depth--;
        }
      }
      i++;
    }
  }
  code(false);
  return out;
}

function describe(node, text) {
  let index = Math.min(node.startIndex, text.length);
  let near;
  if (node.isMissing) {
    near = snippet(text, index) || 'end of file';
    const what = node.type === 'ERROR' ? '' : ` (missing '${node.type}')`;
    return { index, msg: `near '${near}'${what}` };
  }
  near = snippet(text, index) || 'end of file';
  return { index, msg: `near '${near}'` };
}

function snippet(text, index) {
  const rest = text.slice(index);
  const line = rest.split(/\r?\n/, 1)[0].trim();
  const s = line || rest.trim().split(/\r?\n/, 1)[0].trim();
  const chars = Array.from(s);
  return chars.length > 40 ? chars.slice(0, 40).join('') + '...' : chars.join('');
}

function lineCol(text, index) {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  // Columns in characters (code points), not UTF-16 units.
  const col = Array.from(text.slice(lineStart, index)).length + 1;
  return [line, col];
}

function readSource(file) {
  const buf = fs.readFileSync(file);
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

function collectFiles(arg, out) {
  let st;
  try {
    st = fs.statSync(arg);
  } catch {
    throw new Error(`ps-syntax: no such file or directory: ${arg}`);
  }
  if (st.isFile()) { out.push(arg); return; }
  if (!st.isDirectory()) return;
  const entries = fs.readdirSync(arg, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(arg, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) collectFiles(p, out);
    } else if (e.isFile() && EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
      out.push(p);
    }
  }
}

async function main(argv) {
  const opts = { strict: false };
  const paths = [];
  for (const a of argv) {
    if (a === '--strict') opts.strict = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node check.mjs [--strict] <file-or-dir>...');
      return 0;
    } else paths.push(a);
  }
  if (paths.length === 0) {
    console.error('usage: node check.mjs [--strict] <file-or-dir>...');
    return 2;
  }
  const files = [];
  try {
    for (const p of paths) collectFiles(p, files);
  } catch (e) {
    console.error(e.message);
    return 2;
  }

  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);

  let bad = 0;
  for (const file of files) {
    let text;
    try {
      text = readSource(file);
    } catch (e) {
      console.error(`${file}: cannot read: ${e.message}`);
      return 2;
    }
    const errors = checkText(parser, text, opts.strict);
    if (errors.length) bad++;
    const seen = new Set();
    for (const { index, msg } of errors.sort((a, b) => a.index - b.index)) {
      const [line, col] = lineCol(text, index);
      const out = `${file}:${line}:${col}: syntax error ${msg}`;
      if (seen.has(out)) continue;
      seen.add(out);
      console.log(out);
    }
  }
  parser.delete();
  console.log(`ps-syntax: ${files.length} files checked, ${bad} with errors`);
  return bad ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  console.error(e?.stack ?? String(e));
  process.exitCode = 2;
}
