//! Pixels looked at before the geometry is final: faces (and, with the plan's refinement, the
//! trim box and the busiest region).

pub mod faces;
