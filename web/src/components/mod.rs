//! Pieces the pages share: the layout, states (loading, empty, error), figures, pagers,
//! status badges and progress steps, and the top-customers chart.

pub mod chart;
pub mod common;
pub mod layout;
pub mod steps;
