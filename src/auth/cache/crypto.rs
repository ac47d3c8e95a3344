//! The on-disk formats of `tokens.bin`.
//!
//! Encrypted (default): `PIMRUST1` ‖ version (u16 BE) ‖ 12-byte random nonce ‖ AES-256-GCM
//! ciphertext of the JSON payload ‖ 16-byte tag. The 10 header bytes are the associated data, so
//! a tampered header fails authentication. Every write draws a fresh nonce.
//!
//! Plaintext (explicit opt-in): `PIMRUSTP` ‖ version (u16 BE) ‖ JSON payload.

use super::error::CacheError;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use zeroize::Zeroizing;

pub const MAGIC_ENCRYPTED: &[u8; 8] = b"PIMRUST1";
pub const MAGIC_PLAINTEXT: &[u8; 8] = b"PIMRUSTP";
pub const FORMAT_VERSION: u16 = 1;
pub const HEADER_LEN: usize = 10;
pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// What a blob looks like from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    Encrypted,
    Plaintext,
    /// Unknown magic, unsupported version or too short.
    Unreadable,
}

fn header(magic: &[u8; 8]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(magic);
    h[8..].copy_from_slice(&FORMAT_VERSION.to_be_bytes());
    h
}

pub fn classify(blob: &[u8]) -> BlobKind {
    if blob.len() < HEADER_LEN || blob[8..HEADER_LEN] != FORMAT_VERSION.to_be_bytes() {
        return BlobKind::Unreadable;
    }
    match &blob[..8] {
        m if m == MAGIC_ENCRYPTED => BlobKind::Encrypted,
        m if m == MAGIC_PLAINTEXT => BlobKind::Plaintext,
        _ => BlobKind::Unreadable,
    }
}

/// Encrypts `plaintext` under `key` with a fresh random nonce.
pub fn encrypt(key: &[u8; 32], plaintext: &[u8]) -> Result<Vec<u8>, CacheError> {
    let cipher = Aes256Gcm::new(key.into());
    let nonce: [u8; NONCE_LEN] = rand::random();
    let header = header(MAGIC_ENCRYPTED);
    let body_start = HEADER_LEN + NONCE_LEN;
    let mut out = Vec::with_capacity(body_start + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&header);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    // In place, so no second plaintext copy is left behind.
    match cipher.encrypt_in_place_detached(Nonce::from_slice(&nonce), &header, &mut out[body_start..]) {
        Ok(tag) => {
            out.extend_from_slice(&tag);
            Ok(out)
        }
        Err(_) => {
            zeroize::Zeroize::zeroize(&mut out);
            Err(CacheError::Crypto)
        }
    }
}

/// Decrypts an encrypted blob; `None` if it is not one, is truncated, or the key does not fit.
pub fn decrypt(key: &[u8; 32], blob: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if classify(blob) != BlobKind::Encrypted || blob.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
        return None;
    }
    let (header, rest) = blob.split_at(HEADER_LEN);
    let (nonce, rest) = rest.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            header,
            buffer.as_mut_slice(),
            Tag::from_slice(tag),
        )
        .ok()?;
    Some(buffer)
}

/// Wraps a JSON payload in the plaintext format.
pub fn wrap_plaintext(json: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(HEADER_LEN + json.len()));
    out.extend_from_slice(&header(MAGIC_PLAINTEXT));
    out.extend_from_slice(json);
    out
}

/// The JSON payload of a plaintext blob, if it is one.
pub fn unwrap_plaintext(blob: &[u8]) -> Option<&[u8]> {
    (classify(blob) == BlobKind::Plaintext).then(|| &blob[HEADER_LEN..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [0x42; 32];

    #[test]
    fn round_trip_with_fresh_nonce() {
        let a = encrypt(&KEY, b"{\"secret\":1}").unwrap();
        let b = encrypt(&KEY, b"{\"secret\":1}").unwrap();
        assert_eq!(&a[..8], MAGIC_ENCRYPTED);
        assert_ne!(
            a[HEADER_LEN..HEADER_LEN + NONCE_LEN],
            b[HEADER_LEN..HEADER_LEN + NONCE_LEN]
        );
        assert!(!a.windows(6).any(|w| w == b"secret"));
        assert_eq!(decrypt(&KEY, &a).unwrap().as_slice(), b"{\"secret\":1}");
    }

    #[test]
    fn wrong_key_tamper_and_truncation_fail_without_panicking() {
        let blob = encrypt(&KEY, b"payload").unwrap();
        assert!(decrypt(&[0x43; 32], &blob).is_none());
        for i in 0..blob.len() {
            let mut t = blob.clone();
            t[i] ^= 1;
            assert!(decrypt(&KEY, &t).is_none(), "bit flip at {i} accepted");
            assert!(decrypt(&KEY, &blob[..i]).is_none(), "truncation to {i} accepted");
        }
    }

    #[test]
    fn plaintext_wrapping() {
        let blob = wrap_plaintext(b"{}");
        assert_eq!(classify(&blob), BlobKind::Plaintext);
        assert_eq!(unwrap_plaintext(&blob), Some(&b"{}"[..]));
        assert_eq!(unwrap_plaintext(b"PIMRUST1\0\x01{}"), None);
        assert_eq!(classify(b"PIMRUSTP\0\x02{}"), BlobKind::Unreadable);
    }
}
