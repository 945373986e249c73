//! Balance tests, TUG, chair stand and fall-risk indicators (pure, sans-IO).

pub mod chair_stand;
pub mod fall_risk;
pub mod four_stage;
pub mod tug;
