//! Heap accounting for the benchmark and for operators: a global allocator that wraps the
//! system one and keeps the live and peak byte counts.
//!
//! The wasm build installs it (a Compute instance serves one request, so the process peak is
//! the request's peak heap); the edge reports it in `X-Ixora-Heap-Peak`. The native CLI installs
//! it too and prints the peak. Cost: two relaxed atomic adds per allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counted.
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn grew(by: usize) {
        let live = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(live, Relaxed);
    }
}

// SAFETY: every call forwards to `System` unchanged; the counters never affect the allocation.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Self::grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Self::grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                Self::grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Bytes allocated and not yet freed (0 when the counting allocator is not installed).
pub fn live_bytes() -> usize {
    LIVE.load(Relaxed)
}

/// The most bytes ever live at once in this process (0 when the counting allocator is not installed).
pub fn peak_bytes() -> usize {
    PEAK.load(Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_grow_shrink_and_peak() {
        // Natively the lib does not install the allocator, so only this test moves the counters.
        let a = CountingAlloc;
        let live0 = live_bytes();
        unsafe {
            let layout = Layout::from_size_align(1 << 20, 8).unwrap();
            let p = a.alloc(layout);
            assert!(!p.is_null());
            assert_eq!(live_bytes(), live0 + (1 << 20));
            let q = a.realloc(p, layout, 2 << 20);
            assert!(!q.is_null());
            assert_eq!(live_bytes(), live0 + (2 << 20));
            assert!(peak_bytes() >= live0 + (2 << 20));
            let r = a.realloc(q, Layout::from_size_align(2 << 20, 8).unwrap(), 1 << 10);
            assert_eq!(live_bytes(), live0 + (1 << 10));
            a.dealloc(r, Layout::from_size_align(1 << 10, 8).unwrap());
        }
        assert_eq!(live_bytes(), live0);
    }
}
