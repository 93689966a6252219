//! Pieces the pages share: the layout and its search box, states (loading, empty, error),
//! figures, pagers, status badges and progress steps, the charts, a batch's tabs and links.

pub mod batch_link;
pub mod chart;
pub mod common;
pub mod layout;
pub mod search;
pub mod steps;
pub mod tabs;
