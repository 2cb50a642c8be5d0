//! Containing panics from code we do not own (the `liquid` crate's date
//! formatting panics on a few malformed inputs), without printing a panic
//! message: the caller turns them into an error at the place that caused them.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                default(info);
            }
        }));
    });
}

/// While alive, a panic on this thread prints nothing (it is caught and reported).
pub struct Quiet(());

pub fn quiet() -> Quiet {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    Quiet(())
}

impl Drop for Quiet {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(q.get().saturating_sub(1)));
    }
}

/// Run `f`; a panic inside it becomes its message, with nothing printed.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let _quiet = quiet();
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| message(&*payload))
}

/// Run `f`; a panic inside it becomes `None`, with nothing printed.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch(f).ok()
}

/// The text a panic was raised with.
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{catch, catch_quietly};

    #[test]
    fn panics_become_errors() {
        assert_eq!(catch_quietly(|| 1), Some(1));
        assert_eq!(catch_quietly(|| -> i32 { panic!("inside") }), None);
        assert_eq!(
            catch(|| -> i32 { panic!("at {}", 3) }),
            Err("at 3".to_owned())
        );
    }
}
