//! The Windows version resource that ffi/build.rs links into pimrust.dll, byte for byte against what
//! llvm-rc compiles from the same VERSIONINFO statement (tests/fixtures/version.rc).

#[path = "../build/version_resource.rs"]
mod version_resource;

#[test]
fn matches_what_llvm_rc_compiles() {
    let expected = include_bytes!("fixtures/version.res");
    let written = version_resource::version_resource("0.1.0", 1);
    assert_eq!(written.len(), expected.len(), "length of the .res");
    for (offset, (w, e)) in written.iter().zip(expected.iter()).enumerate() {
        assert_eq!(w, e, "first difference at byte {offset:#x}");
    }
}

#[test]
fn carries_the_abi_version_as_text() {
    let written = version_resource::version_resource("2.3.4", 17);
    let text: Vec<u8> = "PimRustAbiVersion\0"
        .encode_utf16()
        .chain("17\0".encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    let key = &text[..36];
    let at = written
        .windows(key.len())
        .position(|w| w == key)
        .expect("the key is there");
    let value_start = (at + key.len()).next_multiple_of(4);
    assert_eq!(&written[value_start..value_start + 6], &text[36..]);
    // FILEVERSION 2,3,4,0: dwFileVersionMS, dwFileVersionLS after the signature and structure version.
    let signature = written
        .windows(4)
        .position(|w| w == [0xBD, 0x04, 0xEF, 0xFE])
        .expect("VS_FIXEDFILEINFO");
    assert_eq!(&written[signature + 8..signature + 16], &[3, 0, 2, 0, 0, 0, 4, 0]);
}
