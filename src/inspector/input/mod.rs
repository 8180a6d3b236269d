//! From key presses to `Action`s: what a user can ask for, and the keymaps (the global
//! and overlay tables here, each screen's own in its folder under `screens`) that
//! dispatch keys and generate the help and footer from one table.

pub mod action;
pub mod keymap;
