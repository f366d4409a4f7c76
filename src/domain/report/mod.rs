//! Reports: every figure leaders, regulators and the public see, defined once over plain facts.
//!
//! The database layer reads [`facts`] for a scope and a period; the functions here turn them into figures with the
//! Pemda's working-day calendar. Nothing here does I/O, so each definition is unit-tested with a handful of values, and
//! the README's table of figures is these modules in prose.

pub mod backlog;
pub mod facts;
pub mod period;
pub mod public;
pub mod ranking;
pub mod stats;
pub mod summary;
pub mod trend;
pub mod units;

#[cfg(test)]
mod tests;
