//! Every tag and output runs inside a guard: it takes a step of the render's
//! budget, one level of nesting, and turns a panic (ours or a dependency's)
//! into an error. The guard knows where its tag is in the user's file, so the
//! first guard an error passes through names the tag that caused it.
//!
//! Positions: the crate's parser calls our tags' `parse` in source order, so
//! while a file is parsed the guards take their places, one by one, from the
//! list of tags that [`crate::preprocess::rewrite`] emitted ([`with_sites`]).

use std::cell::RefCell;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use liquid_core::error::{Error, Result};
use liquid_core::{
    BlockReflection, Language, ParseBlock, ParseTag, Renderable, Runtime, TagBlock, TagReflection,
    TagTokenIter,
};

use crate::budget::{self, Site};
use crate::preprocess::TagSite;

struct Table {
    file: Arc<str>,
    source: Arc<str>,
    sites: Vec<TagSite>,
    cursor: usize,
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Run `parse` with `sites` (the tags of `source`, in order) available to the guards.
pub fn with_sites<T>(
    file: Arc<str>,
    source: Arc<str>,
    sites: Vec<TagSite>,
    parse: impl FnOnce() -> T,
) -> T {
    let table = Table {
        file,
        source,
        sites,
        cursor: 0,
    };
    crate::budget::with_slot(&TABLE, table, parse)
}

/// The place of the next tag named `name`.
fn take_site(name: &str) -> Option<Site> {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let t = t.as_mut()?;
        while t.cursor < t.sites.len() {
            let i = t.cursor;
            t.cursor += 1;
            if t.sites[i].name == name {
                return Some(Site {
                    file: t.file.clone(),
                    source: t.source.clone(),
                    start: t.sites[i].start,
                    end: t.sites[i].end,
                });
            }
        }
        None
    })
}

/// A tag's parser, wrapped.
#[derive(Clone)]
pub struct GuardedTag(pub Box<dyn ParseTag>);

impl ParseTag for GuardedTag {
    fn parse(
        &self,
        arguments: TagTokenIter<'_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let site = take_site(self.0.reflection().tag());
        let inner = self.0.parse(arguments, options)?;
        Ok(Box::new(Guarded { inner, site }))
    }

    fn reflection(&self) -> &dyn TagReflection {
        self.0.reflection()
    }
}

/// A block's parser, wrapped.
#[derive(Clone)]
pub struct GuardedBlock(pub Box<dyn ParseBlock>);

impl ParseBlock for GuardedBlock {
    fn parse(
        &self,
        arguments: TagTokenIter<'_>,
        block: TagBlock<'_, '_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let site = take_site(self.0.reflection().start_tag());
        let inner = self.0.parse(arguments, block, options)?;
        Ok(Box::new(Guarded { inner, site }))
    }

    fn reflection(&self) -> &dyn BlockReflection {
        self.0.reflection()
    }
}

/// A parsed tag that renders within the budget.
#[derive(Debug)]
struct Guarded {
    inner: Box<dyn Renderable>,
    site: Option<Site>,
}

impl Renderable for Guarded {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let result = budget::step().and_then(|()| {
            let _depth = budget::deeper()?;
            match panic::catch_unwind(AssertUnwindSafe(|| self.inner.render_to(writer, runtime))) {
                Ok(result) => result,
                Err(payload) => Err(Error::with_msg(format!(
                    "internal error while rendering this tag: {}",
                    crate::panic::message(&*payload)
                ))),
            }
        });
        if result.is_err()
            && let Some(site) = &self.site
        {
            budget::note_origin(site);
        }
        result
    }
}
