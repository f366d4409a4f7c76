//! Rencana Aksi, the pure part: the matrix a period defines and the cells checked against it, the status machines of
//! a form and of a realisation, and how two versions of a form differ.

mod diff;
mod lifecycle;
mod matrix;
mod realisation;

pub use diff::*;
pub use lifecycle::*;
pub use matrix::*;
pub use realisation::*;
