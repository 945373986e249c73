//! Balance tests, TUG, chair stand and fall-risk indicators (pure, sans-IO).
