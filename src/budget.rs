//! One budget for every render: time, steps, memory and nesting depth,
//! enforced where the work happens.
//!
//! The renderer ([`crate::template::render`]) has every tag and output take a
//! *step* before it runs; loops take one per iteration, and partials one per
//! inclusion. A step checks the step budget and the memory the render's
//! thread holds ([`crate::alloc`]); every sixteenth also checks the clock and
//! whether the render was abandoned (`serve`, when a newer save arrives).
//! Filters check memory after they run, and those whose arguments size their
//! output (`date` widths, `replace`, `join`, `split`…) [`reserve`] it first.
//!
//! The state is thread-local: a render runs on one thread from start to end,
//! so no lock is taken and a step costs a few instructions.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::diagnostic::Diagnostic;

/// How deep blocks and partials may nest, counted together (`{% if %}` inside
/// `{% for %}` inside an included partial is 3). Deeper templates are an error
/// at the tag that goes past it; the limit keeps parsing and rendering well
/// inside the smallest stack a render runs on (2 MiB, a test thread's).
pub const MAX_DEPTH: u32 = 100;

/// The budgets of one render, each raised by a flag of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time (`--time-limit`).
    pub time: Duration,
    /// Tags, outputs, partials and loop iterations (`--step-limit`).
    pub steps: u64,
    /// Memory the render's values may hold, in bytes (`--memory-limit`).
    pub memory_bytes: usize,
    /// Largest page, in bytes (`--page-limit`).
    pub output_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        time: Duration::from_secs(5),
        steps: 1_000_000,
        memory_bytes: 64 * 1024 * 1024,
        output_bytes: 16 * 1024 * 1024,
    };
}

/// The budgets this process was given on its command line.
static DEFAULTS: std::sync::Mutex<Limits> = std::sync::Mutex::new(Limits::DEFAULT);

/// Make `limits` every render's default (the command line's flags).
pub fn set_defaults(limits: Limits) {
    if let Ok(mut d) = DEFAULTS.lock() {
        *d = limits;
    }
}

impl Default for Limits {
    /// [`Limits::DEFAULT`], or what the command line set.
    fn default() -> Self {
        DEFAULTS.lock().map_or(Limits::DEFAULT, |d| *d)
    }
}

/// Which budget a render ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Time(Duration),
    Steps(u64),
    Memory(usize),
    Page(usize),
    Depth,
    /// `serve` abandoned the render: a newer save arrived.
    Abandoned,
}

impl Exceeded {
    /// What happened, for the error's first line.
    pub fn message(&self) -> String {
        match self {
            Exceeded::Time(t) => format!(
                "render stopped: it ran longer than the time limit ({})",
                show_duration(*t)
            ),
            Exceeded::Steps(n) => format!(
                "render stopped: it took more than {} steps (tags, outputs, partials and loop iterations)",
                thousands(*n)
            ),
            Exceeded::Memory(b) => format!(
                "render stopped: the values it built need more than the memory limit ({})",
                show_bytes(*b)
            ),
            Exceeded::Page(b) => format!(
                "render stopped: the page grew past the page limit ({})",
                show_bytes(*b)
            ),
            Exceeded::Depth => {
                format!("blocks and partials are nested more than {MAX_DEPTH} deep here")
            }
            Exceeded::Abandoned => "render abandoned: a newer save arrived".to_owned(),
        }
    }

    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            Exceeded::Time(_) => {
                "look for a loop over a very large range or partials that include each other many times; raise the budget with --time-limit SECONDS"
            }
            Exceeded::Steps(_) => {
                "look for loops or includes that multiply each other's work; raise the budget with --step-limit N"
            }
            Exceeded::Memory(_) => {
                "look for a value that doubles in a loop (`capture`, `append`) or a filter argument that asks for a huge result; raise the budget with --memory-limit MIB"
            }
            Exceeded::Page(_) => {
                "look for a loop that writes far more than the page needs; raise the budget with --page-limit MIB"
            }
            Exceeded::Depth => {
                "flatten the nesting: close blocks sooner, or split the logic (this depth is fixed, to keep mfa-page's stack safe)"
            }
            Exceeded::Abandoned => "the newer save is being rendered instead",
        }
    }
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

fn show_duration(t: Duration) -> String {
    if t.subsec_millis() == 0 {
        format!("{} s", t.as_secs())
    } else {
        format!("{} ms", t.as_millis())
    }
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
pub fn show_bytes(b: usize) -> String {
    if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
        format!("{} MiB", b >> 20)
    } else if b >= 1 << 10 && b.is_multiple_of(1 << 10) {
        format!("{} KiB", b >> 10)
    } else {
        format!("{b} bytes")
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Where a tag is in its file: what a budget error or a panic points at.
#[derive(Debug, Clone)]
pub struct Site {
    pub file: Arc<str>,
    pub source: Arc<str>,
    pub start: usize,
    pub end: usize,
}

struct State {
    active: Cell<bool>,
    steps_left: Cell<u64>,
    tick: Cell<u32>,
    deadline: Cell<Option<Instant>>,
    mem_base: Cell<i64>,
    depth: Cell<u32>,
    limits: Cell<Limits>,
    cancel: RefCell<Option<Arc<AtomicBool>>>,
    exceeded: Cell<Option<Exceeded>>,
    origin: RefCell<Option<Site>>,
    pending: RefCell<Option<Diagnostic>>,
}

thread_local! {
    static STATE: State = const {
        State {
            active: Cell::new(false),
            steps_left: Cell::new(0),
            tick: Cell::new(0),
            deadline: Cell::new(None),
            mem_base: Cell::new(0),
            depth: Cell::new(0),
            limits: Cell::new(Limits::DEFAULT),
            cancel: RefCell::new(None),
            exceeded: Cell::new(None),
            origin: RefCell::new(None),
            pending: RefCell::new(None),
        }
    };
}

/// What a [`Scope`] replaced, put back when it ends (renders may nest on a thread).
struct Saved {
    active: bool,
    steps_left: u64,
    tick: u32,
    deadline: Option<Instant>,
    mem_base: i64,
    depth: u32,
    limits: Limits,
    cancel: Option<Arc<AtomicBool>>,
    exceeded: Option<Exceeded>,
    origin: Option<Site>,
    pending: Option<Diagnostic>,
}

/// The budget of one render, active on this thread until dropped.
pub struct Scope {
    saved: Option<Saved>,
    _quiet: crate::panic::Quiet,
}

thread_local! {
    /// The abandonment flag of the work this thread does (see [`with_cancel`]).
    static AMBIENT_CANCEL: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Run `f` with `cancel` as the abandonment flag of every render it starts
/// on this thread (unless a render is given one of its own).
pub fn with_cancel<T>(cancel: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    with_slot(&AMBIENT_CANCEL, cancel, f)
}

/// Run `f` with `value` in the thread-local `slot`, then put back what was
/// there before (also when `f` unwinds), so that uses may nest.
pub(crate) fn with_slot<V: 'static, T>(
    slot: &'static std::thread::LocalKey<RefCell<Option<V>>>,
    value: V,
    f: impl FnOnce() -> T,
) -> T {
    struct Restore<V: 'static> {
        slot: &'static std::thread::LocalKey<RefCell<Option<V>>>,
        saved: Option<V>,
    }
    impl<V: 'static> Drop for Restore<V> {
        fn drop(&mut self) {
            let saved = self.saved.take();
            self.slot.with(|c| *c.borrow_mut() = saved);
        }
    }
    let saved = slot.with(|c| c.replace(Some(value)));
    let _restore = Restore { slot, saved };
    f()
}

/// Start a render's budget on this thread. `cancel`, when set to true by
/// another thread, stops the render at its next clock check.
pub fn enter(limits: Limits, cancel: Option<Arc<AtomicBool>>) -> Scope {
    let cancel = cancel.or_else(|| AMBIENT_CANCEL.with(|c| c.borrow().clone()));
    let saved = STATE.with(|s| Saved {
        active: s.active.replace(true),
        steps_left: s.steps_left.replace(limits.steps),
        tick: s.tick.replace(0),
        deadline: s.deadline.replace(Some(Instant::now() + limits.time)),
        mem_base: s.mem_base.replace(crate::alloc::thread_net()),
        depth: s.depth.replace(0),
        limits: s.limits.replace(limits),
        cancel: s.cancel.replace(cancel),
        exceeded: s.exceeded.replace(None),
        origin: s.origin.replace(None),
        pending: s.pending.replace(None),
    });
    Scope {
        saved: Some(saved),
        _quiet: crate::panic::quiet(),
    }
}

impl Scope {
    /// The budget that stopped the render, if one did.
    pub fn exceeded(&self) -> Option<Exceeded> {
        STATE.with(|s| s.exceeded.get())
    }

    /// The innermost tag an error passed through.
    pub fn take_origin(&self) -> Option<Site> {
        STATE.with(|s| s.origin.borrow_mut().take())
    }

    /// A diagnostic raised while rendering (a partial that does not compile).
    pub fn take_pending(&self) -> Option<Diagnostic> {
        STATE.with(|s| s.pending.borrow_mut().take())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            STATE.with(|s| {
                s.active.set(saved.active);
                s.steps_left.set(saved.steps_left);
                s.tick.set(saved.tick);
                s.deadline.set(saved.deadline);
                s.mem_base.set(saved.mem_base);
                s.depth.set(saved.depth);
                s.limits.set(saved.limits);
                *s.cancel.borrow_mut() = saved.cancel;
                s.exceeded.set(saved.exceeded);
                *s.origin.borrow_mut() = saved.origin;
                *s.pending.borrow_mut() = saved.pending;
            });
        }
    }
}

fn stop(s: &State, why: Exceeded) -> liquid_core::Error {
    s.exceeded.set(Some(why));
    liquid_core::Error::with_msg(why.message())
}

fn check_memory(s: &State, extra: usize) -> Result<(), liquid_core::Error> {
    let limit = s.limits.get().memory_bytes;
    let used = crate::alloc::thread_net().saturating_sub(s.mem_base.get());
    if used.saturating_add(extra as i64) > limit as i64 {
        return Err(stop(s, Exceeded::Memory(limit)));
    }
    Ok(())
}

/// One step of work: a tag, an output, a loop iteration or a partial.
#[inline]
pub fn step() -> Result<(), liquid_core::Error> {
    STATE.with(|s| {
        if !s.active.get() {
            return Ok(());
        }
        if let Some(why) = s.exceeded.get() {
            // Once stopped, stay stopped (a tag that swallowed the error cannot go on).
            return Err(liquid_core::Error::with_msg(why.message()));
        }
        let left = s.steps_left.get();
        if left == 0 {
            return Err(stop(s, Exceeded::Steps(s.limits.get().steps)));
        }
        s.steps_left.set(left - 1);
        check_memory(s, 0)?;
        let tick = s.tick.get().wrapping_add(1);
        s.tick.set(tick);
        if tick & 15 == 0 {
            if let Some(deadline) = s.deadline.get()
                && Instant::now() > deadline
            {
                return Err(stop(s, Exceeded::Time(s.limits.get().time)));
            }
            if s.cancel
                .borrow()
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                return Err(stop(s, Exceeded::Abandoned));
            }
        }
        Ok(())
    })
}

/// Fail unless `bytes` more fit in the memory budget (called before a filter
/// allocates a result whose size its arguments choose).
pub fn reserve(bytes: usize) -> Result<(), liquid_core::Error> {
    STATE.with(|s| {
        if !s.active.get() {
            return Ok(());
        }
        check_memory(s, bytes)
    })
}

/// Fail unless `n` more steps fit in the step budget (a loop over a range
/// asks for all of its iterations before it builds them).
pub fn reserve_steps(n: u64) -> Result<(), liquid_core::Error> {
    STATE.with(|s| {
        if s.active.get() && n > s.steps_left.get() {
            return Err(stop(s, Exceeded::Steps(s.limits.get().steps)));
        }
        Ok(())
    })
}

/// Fail when the memory budget is spent (called after each filter).
#[inline]
pub fn check_memory_now() -> Result<(), liquid_core::Error> {
    reserve(0)
}

/// Whether the render under way on this thread has run out of a budget.
pub fn active_exceeded() -> bool {
    STATE.with(|s| s.active.get() && s.exceeded.get().is_some())
}

/// The page outgrew its budget (raised by the page writer).
pub fn page_exceeded() {
    STATE.with(|s| {
        if s.active.get() {
            s.exceeded
                .set(Some(Exceeded::Page(s.limits.get().output_bytes)));
        }
    });
}

/// One level deeper; the guard steps back out when dropped.
pub struct Depth(());

/// Enter one level of nesting, or fail past [`MAX_DEPTH`].
#[inline]
pub fn deeper() -> Result<Depth, liquid_core::Error> {
    STATE.with(|s| {
        let depth = s.depth.get() + 1;
        if depth > MAX_DEPTH && s.active.get() {
            return Err(stop(s, Exceeded::Depth));
        }
        s.depth.set(depth);
        Ok(Depth(()))
    })
}

impl Drop for Depth {
    fn drop(&mut self) {
        STATE.with(|s| s.depth.set(s.depth.get().saturating_sub(1)));
    }
}

/// Record the innermost tag an error passed through (the first one wins).
pub fn note_origin(site: &Site) {
    STATE.with(|s| {
        let mut origin = s.origin.borrow_mut();
        if origin.is_none() {
            *origin = Some(site.clone());
        }
    });
}

/// Keep a diagnostic for the render's caller (a partial that fails to compile
/// when first used), unless one is kept already.
pub fn keep_pending(d: Diagnostic) {
    STATE.with(|s| {
        let mut pending = s.pending.borrow_mut();
        if pending.is_none() {
            *pending = Some(d);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            steps: 100,
            memory_bytes: 1 << 20,
            ..Limits::DEFAULT
        }
    }

    #[test]
    fn steps_run_out() {
        let scope = enter(limits(), None);
        for _ in 0..100 {
            step().unwrap();
        }
        assert!(step().is_err());
        assert_eq!(scope.exceeded(), Some(Exceeded::Steps(100)));
    }

    #[test]
    fn memory_is_counted_per_render() {
        let scope = enter(limits(), None);
        let big = vec![1u8; 2 << 20];
        assert!(step().is_err());
        assert_eq!(scope.exceeded(), Some(Exceeded::Memory(1 << 20)));
        drop(big);
        drop(scope);
        // Outside a render nothing is counted.
        let _big = vec![1u8; 2 << 20];
        step().unwrap();
    }

    #[test]
    fn reserve_refuses_before_allocating() {
        let scope = enter(limits(), None);
        assert!(reserve(2 << 20).is_err());
        assert_eq!(scope.exceeded(), Some(Exceeded::Memory(1 << 20)));
    }

    #[test]
    fn abandoned_at_the_next_clock_check() {
        let cancel = Arc::new(AtomicBool::new(false));
        let scope = enter(Limits::DEFAULT, Some(cancel.clone()));
        step().unwrap();
        cancel.store(true, Ordering::Relaxed);
        let stopped = (0..16).any(|_| step().is_err());
        assert!(stopped);
        assert_eq!(scope.exceeded(), Some(Exceeded::Abandoned));
    }

    #[test]
    fn depth_is_limited_and_restored() {
        let _scope = enter(Limits::DEFAULT, None);
        let mut guards = Vec::new();
        for _ in 0..MAX_DEPTH {
            guards.push(deeper().unwrap());
        }
        assert!(deeper().is_err());
        guards.pop();
        let _scope2 = enter(Limits::DEFAULT, None);
        deeper().unwrap();
    }

    #[test]
    fn scopes_nest() {
        let outer = enter(limits(), None);
        {
            let inner = enter(Limits::DEFAULT, None);
            step().unwrap();
            drop(inner);
        }
        for _ in 0..100 {
            step().unwrap();
        }
        assert!(step().is_err());
        drop(outer);
        step().unwrap();
    }

    #[test]
    fn messages_name_the_budget() {
        assert_eq!(
            Exceeded::Steps(1_000_000).message(),
            "render stopped: it took more than 1,000,000 steps (tags, outputs, partials and loop iterations)"
        );
        assert!(Exceeded::Memory(128 << 20).message().contains("128 MiB"));
        assert!(
            Exceeded::Time(Duration::from_secs(5))
                .help()
                .contains("--time-limit")
        );
    }
}
