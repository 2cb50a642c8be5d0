//! A global allocator that keeps, per thread, the net number of bytes the
//! thread has allocated, so that a render can be held to a memory budget
//! ([`crate::budget`]) whatever builds its values: `capture`, `assign`, a
//! filter, or code in a dependency.
//!
//! Hand-written because the crates that count allocations (`stats_alloc`,
//! `cap`) count for the whole process; the budget belongs to one render, and
//! `serve` renders while its server threads allocate too. It is the system
//! allocator plus one thread-local addition per call.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread.
    static NET: Cell<i64> = const { Cell::new(0) };
}

#[inline]
fn add(bytes: i64) {
    // `try_with`: during thread teardown the slot may be gone; those bytes do not matter.
    let _ = NET.try_with(|n| n.set(n.get().wrapping_add(bytes)));
}

/// Net bytes allocated by the current thread so far (may be negative when it
/// frees memory that another thread allocated).
#[inline]
pub fn thread_net() -> i64 {
    NET.try_with(Cell::get).unwrap_or(0)
}

/// The system allocator, counting per thread.
pub struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter is a thread-local `Cell` with a const initializer and no destructor,
// so touching it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[cfg(test)]
mod tests {
    use super::thread_net;

    #[test]
    fn counts_this_threads_allocations() {
        let before = thread_net();
        let v = vec![0u8; 1 << 20];
        assert!(thread_net() - before >= 1 << 20);
        drop(v);
        assert!(thread_net() - before < 1 << 10);
    }
}
