//! A compiled Windows VERSIONINFO resource (.res), written without a resource compiler so the MSVC linker
//! can take it as an input file: the crate version as file and product version, and the ABI version as the
//! `PimRustAbiVersion` string (what Explorer's Details tab and `(Get-Item pimrust.dll).VersionInfo` show).
//! The byte layout is that of llvm-rc and rc.exe: ffi/tests/version_resource.rs compares it with a
//! resource llvm-rc compiled from ffi/tests/fixtures/version.rc.

const RT_VERSION: u16 = 16;
const LANGUAGE_EN_US: u16 = 0x0409;
const CODE_PAGE_UNICODE: u16 = 1200;

/// The .res file: the empty entry every .res starts with, then the VERSIONINFO resource with id 1.
pub fn version_resource(version: &str, abi: u32) -> Vec<u8> {
    let data = version_info(version, abi);
    let mut res = resource_header(0, 0, 0, 0, 0);
    res.extend(resource_header(
        data.len() as u32,
        RT_VERSION,
        1,
        0x0030,
        LANGUAGE_EN_US,
    ));
    res.extend(&data);
    pad(&mut res);
    res
}

fn resource_header(data_size: u32, kind: u16, name: u16, memory_flags: u16, language: u16) -> Vec<u8> {
    let mut header = Vec::with_capacity(32);
    header.extend(data_size.to_le_bytes());
    header.extend(32u32.to_le_bytes());
    for id in [kind, name] {
        header.extend(0xFFFFu16.to_le_bytes());
        header.extend(id.to_le_bytes());
    }
    header.extend(0u32.to_le_bytes()); // data version
    header.extend(memory_flags.to_le_bytes());
    header.extend(language.to_le_bytes());
    header.extend(0u64.to_le_bytes()); // version, characteristics
    header
}

fn version_info(version: &str, abi: u32) -> Vec<u8> {
    let parts: Vec<u16> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|p| p.parse().unwrap_or(0))
        .chain(std::iter::repeat(0))
        .take(4)
        .collect();
    let most = (u32::from(parts[0]) << 16) | u32::from(parts[1]);
    let least = (u32::from(parts[2]) << 16) | u32::from(parts[3]);
    let mut fixed = Vec::with_capacity(52);
    for value in [
        0xFEEF_04BD, // signature
        0x0001_0000, // structure version
        most,
        least,
        most,
        least,
        0x3F,        // flags mask
        0,           // flags
        0x0004_0004, // VOS_NT_WINDOWS32
        2,           // VFT_DLL
        0,
        0,
        0,
    ] {
        fixed.extend(u32::to_le_bytes(value));
    }
    let abi = abi.to_string();
    let strings: Vec<Vec<u8>> = [
        ("CompanyName", "PimRust contributors"),
        ("FileDescription", "PimRust native library"),
        ("FileVersion", version),
        ("InternalName", "pimrust"),
        ("LegalCopyright", "(c) PimRust contributors. MIT License."),
        ("OriginalFilename", "pimrust.dll"),
        ("ProductName", "PimRust"),
        ("ProductVersion", version),
        ("PimRustAbiVersion", abi.as_str()),
    ]
    .iter()
    .map(|(key, text)| {
        let value = utf16z(text);
        node(key, &value, (value.len() / 2) as u16, 1, &[])
    })
    .collect();
    let table = node(
        &format!("{LANGUAGE_EN_US:04x}{CODE_PAGE_UNICODE:04x}"),
        &[],
        0,
        1,
        &strings,
    );
    let string_file_info = node("StringFileInfo", &[], 0, 1, &[table]);
    let mut translation = LANGUAGE_EN_US.to_le_bytes().to_vec();
    translation.extend(CODE_PAGE_UNICODE.to_le_bytes());
    let var = node("Translation", &translation, 4, 0, &[]);
    let var_file_info = node("VarFileInfo", &[], 0, 1, &[var]);
    node("VS_VERSION_INFO", &fixed, 52, 0, &[string_file_info, var_file_info])
}

/// One block: length, value length, type (1 = text), the NUL-terminated UTF-16 key, the value and the
/// children, each starting on a 4-byte boundary; the length leaves out the last child's padding.
fn node(key: &str, value: &[u8], value_length: u16, kind: u16, children: &[Vec<u8>]) -> Vec<u8> {
    let mut block = vec![0, 0];
    block.extend(value_length.to_le_bytes());
    block.extend(kind.to_le_bytes());
    block.extend(utf16z(key));
    if !value.is_empty() {
        pad(&mut block);
        block.extend(value);
    }
    for child in children {
        pad(&mut block);
        block.extend(child);
    }
    let length = block.len() as u16;
    block[..2].copy_from_slice(&length.to_le_bytes());
    block
}

fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect()
}

fn pad(bytes: &mut Vec<u8>) {
    while bytes.len() % 4 != 0 {
        bytes.push(0);
    }
}
