//! The terminal UI: settings, model picker, deployment picker and streaming chat in a split
//! layout. One event channel feeds one `AppState`; `update` is plain code; views are pure
//! functions of the state; effects run as tasks that report back as events.

pub mod event;
pub mod keymap;
pub mod markdown;
pub mod state;
pub mod theme;
pub mod update;
pub mod view;

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod test_support;
