//! Reference data: categories and regions (public, for intake forms), holidays and deadline policies (staff).

pub mod deadline_policies;
pub mod holidays;
pub mod taxonomy;
