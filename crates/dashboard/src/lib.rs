//! steady-dashboard: the ratatui terminal UI, with state kept apart from drawing.
//!
//! Module map:
//! - [`model`]: [`DashboardModel`], the plain data on screen (sensors, traces, gait timeline,
//!   live metrics, balance protocol view, other tests, summary, history), and the
//!   [`model::GuidedProtocol`] trait a guided test (4-stage, TUG, chair stand) implements to be
//!   shown on the "Other" screen. No runtime.
//! - [`app`]: [`App`], the UI state machine: keys and model updates in, [`Action`]s out.
//! - [`ui`]: one `draw` per screen, the frame around them, large digits; entry point [`draw`].
//! - [`sample`]: a filled-in example model (8 sensors streaming) for tests, benches and docs.
//!
//! The binary owns the terminal and the data path; it converts pipeline snapshots into a
//! [`DashboardModel`], calls [`App::set_model`], [`draw`] and [`App::on_key`].

pub mod app;
pub mod model;
pub mod sample;
pub mod ui;

pub use app::{Action, App, Screen};
pub use model::DashboardModel;
pub use ui::draw;
