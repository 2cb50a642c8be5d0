//! Containing panics from code we do not own (the `liquid` crate's parser
//! panics on a few malformed inputs), without printing a panic message.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Run `f`; a panic inside it becomes `None`, with nothing printed.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::catch_quietly;

    #[test]
    fn panics_become_errors() {
        assert_eq!(catch_quietly(|| 1), Some(1));
        assert_eq!(catch_quietly(|| -> i32 { panic!("inside") }), None);
    }
}
