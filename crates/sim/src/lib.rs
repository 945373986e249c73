//! steady-sim: a deterministic, pure IMU simulator of gait and balance tests with ground truth.
//!
//! It feeds `steady demo` and tests everything downstream (gait analysis, balance tests, BLE
//! plumbing). No I/O, no threads; the same seed gives bit-identical output. Simulated data
//! never backs an accuracy claim on its own: it checks plumbing, timing and invariants.
//!
//! Module map:
//! - [`scenario`]: what the person does — [`Scenario`] builder of [`Activity`] segments
//!   (stand, walk with turns/antalgic stance/pelvic drop, single-leg stance, CDC 4-stage,
//!   30 s chair stand, TUG) and their parameter structs.
//! - [`sensor`]: which sensors and how they err — [`SensorConfig`], [`SensorSpec`]
//!   (placement, misalignment, mirror mounting, noise, gyro bias) and the documented
//!   measurement model (finite differences of analytic poses + gravity).
//! - [`body`]: the kinematic body model and its documented signal models.
//! - `layout` (private): turns a scenario into body knots and the ground truth.
//! - [`truth`]: ground-truth types (serde-serialisable for `steady demo --json`).
//! - [`transport`]: sample streams → encoded `steady-protocol` notifications with loss, jitter,
//!   clock drift and offset, in arrival order.
//! - [`steady_encoder`]: [`SteadyFrameEncoder`], the demo's default encoder (steady-protocol
//!   data frames).
//! - `math` (private helpers): vectors, rotations, C2 knot channels.
//!
//! API:
//! ```
//! use steady_sim::{simulate, Scenario, SensorConfig, WalkParams};
//! let scenario = Scenario::new().stand(2.0).walk_strides(WalkParams::default(), 6).stand(1.0);
//! let sim = simulate(&scenario, &SensorConfig::default(), 42);
//! assert_eq!(sim.streams.len(), 3);
//! assert!(!sim.truth.events.is_empty());
//! ```
//! For long demos, [`Simulator`] gives random access to any sample (`sample(i, k)`), so signals
//! can be produced in chunks without holding the whole recording in memory.

pub mod body;
mod layout;
pub(crate) mod math;
pub mod scenario;
pub mod sensor;
pub mod steady_encoder;
pub mod transport;
pub mod truth;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use steady_core::{ImuSample, Placement};

pub use scenario::{
    Activity, BalanceStage, ChairStandParams, FourStageParams, RoutePiece, Scenario, SlsOutcome,
    SlsParams, TugParams, WalkParams,
};
pub use sensor::{SensorConfig, SensorSpec};
pub use steady_encoder::SteadyFrameEncoder;
pub use truth::Truth;

/// A scenario laid out for a sensor set: random access to samples, plus the truth.
#[derive(Debug, Clone)]
pub struct Simulator {
    body: body::Body,
    truth: Truth,
    config: SensorConfig,
    models: Vec<sensor::SensorModel>,
    seed: u64,
}

impl Simulator {
    /// Lay out `scenario` for `config`; everything random derives from `seed`.
    /// Out-of-range numbers are limited (see [`Scenario::sanitized`]; a rate that is not a
    /// positive number becomes 100 Hz).
    pub fn new(scenario: &Scenario, config: &SensorConfig, seed: u64) -> Simulator {
        let mut config = config.clone();
        if !(config.rate_hz.is_finite() && config.rate_hz >= 1.0 && config.rate_hz <= 10_000.0) {
            config.rate_hz = 100.0;
        }
        for x in [
            &mut config.acc_noise_mps2,
            &mut config.gyr_noise_dps,
            &mut config.gyr_bias_dps,
        ] {
            if !(x.is_finite() && *x >= 0.0) {
                *x = 0.0;
            }
        }
        let config = &config;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0);
        let (body, truth) = layout::lay_out(scenario, rng);
        let models = config
            .sensors
            .iter()
            .enumerate()
            .map(|(i, s)| sensor::SensorModel::new(s, i, config, seed))
            .collect();
        Simulator {
            body,
            truth,
            config: config.clone(),
            models,
            seed,
        }
    }

    /// The ground truth.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// The sensor configuration.
    pub fn config(&self) -> &SensorConfig {
        &self.config
    }

    /// Number of samples per sensor (covering `[0, truth.duration_s]`).
    pub fn n_samples(&self) -> u64 {
        (self.truth.duration_s * self.config.rate_hz).floor() as u64 + 1
    }

    /// Sample `k` (at `k / rate_hz` s) of sensor `sensor_index`.
    ///
    /// # Panics
    /// If `sensor_index` is out of range of `config.sensors`.
    pub fn sample(&self, sensor_index: usize, k: u64) -> ImuSample {
        self.models[sensor_index].sample(&self.body, &self.config, self.seed, k)
    }

    /// Samples `range` of sensor `sensor_index`.
    pub fn samples(&self, sensor_index: usize, range: std::ops::Range<u64>) -> Vec<ImuSample> {
        range.map(|k| self.sample(sensor_index, k)).collect()
    }

    /// Noise- and bias-free specific force (m/s²) and angular rate (deg/s) at any time `t_s`.
    pub fn exact(&self, sensor_index: usize, t_s: f64) -> ([f64; 3], [f64; 3]) {
        self.models[sensor_index].exact(&self.body, t_s)
    }

    /// The whole simulation at once.
    pub fn run(&self) -> Simulation {
        let n = self.n_samples();
        Simulation {
            streams: self
                .config
                .sensors
                .iter()
                .enumerate()
                .map(|(i, s)| (s.placement, self.samples(i, 0..n)))
                .collect(),
            truth: self.truth.clone(),
            rate_hz: self.config.rate_hz,
        }
    }
}

/// A finished simulation: one clean sample stream per sensor (in `SensorConfig` order) and the
/// truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Per sensor: its placement and samples on the session timeline.
    pub streams: Vec<(Placement, Vec<ImuSample>)>,
    /// Ground truth.
    pub truth: Truth,
    /// Sampling rate, Hz.
    pub rate_hz: f64,
}

impl Simulation {
    /// Samples of the first sensor at `placement`, if any.
    pub fn stream(&self, placement: Placement) -> Option<&[ImuSample]> {
        self.streams
            .iter()
            .find(|(p, _)| *p == placement)
            .map(|(_, s)| s.as_slice())
    }
}

/// Simulate `scenario` with `config`; deterministic from `seed`.
pub fn simulate(scenario: &Scenario, config: &SensorConfig, seed: u64) -> Simulation {
    Simulator::new(scenario, config, seed).run()
}
