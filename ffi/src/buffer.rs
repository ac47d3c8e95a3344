//! Bytes that Rust allocates and hands to the host; the host copies them and returns the buffer to
//! `pim_buffer_free`, exactly once.

#[repr(C)]
#[derive(Debug)]
pub struct PimBuffer {
    pub ptr: *mut u8,
    pub len: usize,
    pub cap: usize,
}

impl PimBuffer {
    pub(crate) fn empty() -> Self {
        Self {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    pub(crate) fn from_string(text: String) -> Self {
        let mut bytes = std::mem::ManuallyDrop::new(text.into_bytes());
        Self {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        }
    }

    /// # Safety
    /// `self` must come from [`PimBuffer::from_string`] and not have been freed before.
    pub(crate) unsafe fn free(self) {
        if !self.ptr.is_null() {
            // SAFETY: ptr/len/cap are exactly those of the Vec leaked in from_string.
            drop(unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) });
        }
    }
}
