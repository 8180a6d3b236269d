//! From key presses to `Action`s: what a user can ask for, and the keymaps per screen and
//! overlay that dispatch keys and generate the help and footer from one table.

pub mod action;
pub mod keymap;
