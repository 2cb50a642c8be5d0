//! One file per tag (or family of tags): how it parses, renders and shows
//! itself to analysis. Each is one row of [`super::table::TAGS`].

pub mod assign;
pub mod case;
pub mod control;
pub mod counter;
pub mod cycle;
pub mod echo;
pub mod for_;
pub mod if_;
pub mod ifchanged;
pub mod liquid;
pub mod partial;
pub mod raw;
pub mod tablerow;

use super::ast::Block;

/// Apply the reference's blank rule to a block's bodies: when every body is
/// blank, their whitespace-only text goes.
pub(crate) fn blank_rule(source: &str, bodies: &mut [&mut Block]) -> bool {
    let blank = bodies.iter().all(|b| b.is_blank(source));
    if blank {
        for b in bodies.iter_mut() {
            b.strip_blank_text();
        }
    }
    blank
}
