//! Shared vocabulary of steady.
//!
//! Every other crate speaks in these types, so they are small, plain and stable:
//!
//! - [`Side`] and [`Placement`]: where a sensor sits on the body (enums, never strings).
//! - [`Micros`]: the one session timeline (microseconds since the session or recording start).
//! - [`ImuSample`]: one accelerometer + gyroscope reading in SI-ish units
//!   (`acc_mps2` in m/s² specific force, `gyr_dps` in deg/s), as every recording file stores them.
//! - [`SensorId`]: a stable handle for a physical sensor within a session.
//!
//! Unit convention for the whole workspace: acceleration in m/s² (specific force, +9.81 on the
//! upward axis at rest), angular rate in deg/s at the edges (files, wire decoders) and the
//! same inside analysis unless a name says `_rps`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Standard gravity in m/s² (CGPM 1901), used to convert g to m/s².
pub const STANDARD_GRAVITY_MPS2: f64 = 9.80665;

/// Left or right side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The participant's left.
    Left,
    /// The participant's right.
    Right,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    /// Lower-case name as used in files and JSON (`left`, `right`).
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }

    /// Both sides, left first.
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Side {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "left" | "l" => Ok(Side::Left),
            "right" | "r" => Ok(Side::Right),
            _ => Err(ParseError(format!(
                "unknown side `{s}` (expected left or right)"
            ))),
        }
    }
}

/// Body segment a sensor is strapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Lower back, near L4/L5 (the Mobilise-D position).
    LowerBack,
    /// Left foot (shoe, instep or lateral).
    LeftFoot,
    /// Right foot.
    RightFoot,
    /// Left shank, above the ankle.
    LeftShank,
    /// Right shank.
    RightShank,
    /// Left thigh.
    LeftThigh,
    /// Right thigh.
    RightThigh,
}

impl Placement {
    /// Every placement, in a fixed display order.
    pub const ALL: [Placement; 7] = [
        Placement::LowerBack,
        Placement::LeftFoot,
        Placement::RightFoot,
        Placement::LeftShank,
        Placement::RightShank,
        Placement::LeftThigh,
        Placement::RightThigh,
    ];

    /// The first placement after `current` in [`Placement::ALL`] order (wrapping round; from
    /// the start when `current` is `None`) that is not in `taken`: what the Sensors screen's
    /// "next placement" key assigns. `None` when every placement is taken.
    pub fn next_free(current: Option<Placement>, taken: &[Placement]) -> Option<Placement> {
        let all = Placement::ALL;
        let start = current
            .and_then(|c| all.iter().position(|p| *p == c))
            .map_or(0, |i| i + 1);
        (0..all.len())
            .map(|k| all[(start + k) % all.len()])
            .find(|p| !taken.contains(p))
    }

    /// Snake-case name as used in recording file names (`imu_<name>.csv`) and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::LowerBack => "lower_back",
            Placement::LeftFoot => "left_foot",
            Placement::RightFoot => "right_foot",
            Placement::LeftShank => "left_shank",
            Placement::RightShank => "right_shank",
            Placement::LeftThigh => "left_thigh",
            Placement::RightThigh => "right_thigh",
        }
    }

    /// The body side, or `None` for the trunk.
    pub fn side(self) -> Option<Side> {
        match self {
            Placement::LowerBack => None,
            Placement::LeftFoot | Placement::LeftShank | Placement::LeftThigh => Some(Side::Left),
            Placement::RightFoot | Placement::RightShank | Placement::RightThigh => {
                Some(Side::Right)
            }
        }
    }

    /// The segment without its side.
    pub fn segment(self) -> Segment {
        match self {
            Placement::LowerBack => Segment::LowerBack,
            Placement::LeftFoot | Placement::RightFoot => Segment::Foot,
            Placement::LeftShank | Placement::RightShank => Segment::Shank,
            Placement::LeftThigh | Placement::RightThigh => Segment::Thigh,
        }
    }

    /// The placement of `segment` on `side` (`side` is ignored for the lower back).
    pub fn of(segment: Segment, side: Side) -> Placement {
        match (segment, side) {
            (Segment::LowerBack, _) => Placement::LowerBack,
            (Segment::Foot, Side::Left) => Placement::LeftFoot,
            (Segment::Foot, Side::Right) => Placement::RightFoot,
            (Segment::Shank, Side::Left) => Placement::LeftShank,
            (Segment::Shank, Side::Right) => Placement::RightShank,
            (Segment::Thigh, Side::Left) => Placement::LeftThigh,
            (Segment::Thigh, Side::Right) => Placement::RightThigh,
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Placement {
    type Err = ParseError;
    /// Accepts `lower_back`, `lower-back`, `left_shank`, `left-shank`, … (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Placement::ALL
            .into_iter()
            .find(|p| p.as_str() == norm)
            .ok_or_else(|| {
                ParseError(format!(
                    "unknown placement `{s}` (expected one of lower_back, left_foot, right_foot, \
                     left_shank, right_shank, left_thigh, right_thigh)"
                ))
            })
    }
}

/// Body segment without side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// Lower back (pelvis).
    LowerBack,
    /// Foot.
    Foot,
    /// Shank (lower leg).
    Shank,
    /// Thigh.
    Thigh,
}

/// A string that did not name a known side or placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// A point on the session timeline: microseconds since the session (or recording) start.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    /// Time zero of the session.
    pub const ZERO: Micros = Micros(0);

    /// From seconds (rounded to the nearest microsecond).
    pub fn from_secs_f64(seconds: f64) -> Micros {
        Micros((seconds * 1e6).round() as i64)
    }

    /// As seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-6
    }
}

impl std::ops::Add<i64> for Micros {
    type Output = Micros;
    fn add(self, rhs: i64) -> Micros {
        Micros(self.0 + rhs)
    }
}

impl std::ops::Sub for Micros {
    type Output = i64;
    fn sub(self, rhs: Micros) -> i64 {
        self.0 - rhs.0
    }
}

/// Identifier of one physical sensor within steady (index into the session's sensor table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SensorId(pub u16);

/// One accelerometer + gyroscope reading on the session timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImuSample {
    /// Time of the sample on the session timeline.
    pub t: Micros,
    /// Specific force in m/s², sensor axes (at rest the upward axis reads about +9.81).
    pub acc_mps2: [f64; 3],
    /// Angular rate in deg/s, sensor axes, right-hand rule.
    pub gyr_dps: [f64; 3],
}

impl ImuSample {
    /// Time in seconds on the session timeline.
    pub fn t_s(&self) -> f64 {
        self.t.as_secs_f64()
    }

    /// Magnitude of the specific force in m/s².
    pub fn acc_norm_mps2(&self) -> f64 {
        let [x, y, z] = self.acc_mps2;
        (x * x + y * y + z * z).sqrt()
    }
}

/// A sample as it came from one sensor, before or after clock synchronisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImuFrame {
    /// Which sensor produced it.
    pub sensor: SensorId,
    /// Where that sensor sits.
    pub placement: Placement,
    /// Per-sample sequence counter (monotonic, after unwrapping the wire counter).
    pub seq: u64,
    /// Device clock time in microseconds (unwrapped), if the sensor reports one.
    pub device_time_us: Option<u64>,
    /// The reading; `sample.t` is the session time once clock sync has run.
    pub sample: ImuSample,
}

/// A stretch of lost samples on one sensor's timeline (never filled in).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// Time of the last sample before the gap.
    pub start: Micros,
    /// Time of the first sample after the gap.
    pub end: Micros,
    /// Number of samples that should have arrived in between.
    pub lost_samples: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_names_round_trip_and_accept_dashes() {
        for p in Placement::ALL {
            assert_eq!(p.as_str().parse::<Placement>().unwrap(), p);
            assert_eq!(
                p.as_str().replace('_', "-").parse::<Placement>().unwrap(),
                p
            );
        }
        assert!("left_ear".parse::<Placement>().is_err());
    }

    #[test]
    fn placement_side_and_segment_are_consistent() {
        for p in Placement::ALL {
            match p.side() {
                Some(side) => assert_eq!(Placement::of(p.segment(), side), p),
                None => assert_eq!(p, Placement::LowerBack),
            }
        }
    }

    #[test]
    fn micros_round_trip_seconds() {
        assert_eq!(Micros::from_secs_f64(1.2345675).0, 1_234_568);
        assert!((Micros(2_500_000).as_secs_f64() - 2.5).abs() < 1e-12);
        assert_eq!(Micros(10) - Micros(4), 6);
    }
}

/// One named measurement with its provenance: the lingua franca between analysis, store,
/// export and dashboard. Keys are stable snake-case names (e.g. `gait.cadence_spm`,
/// `balance.hold_s`); units are UCUM strings (`/min`, `m/s`, `s`, `%`, `deg`, `m2/s4`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Stable key, `<area>.<name>`; units are part of the name where ambiguous.
    pub key: String,
    /// Body side the value belongs to, if per side.
    pub side: Option<Side>,
    /// The value (never NaN: a metric that cannot be computed is left out).
    pub value: f64,
    /// UCUM unit code.
    pub unit: String,
    /// Which algorithm and sensors produced it (e.g. `lower_back/zijlstra`).
    pub source: String,
    /// How many cycles, strides or trials it is based on, when that matters.
    pub n: Option<u32>,
}

impl Metric {
    /// A metric without side or count.
    pub fn new(
        key: impl Into<String>,
        value: f64,
        unit: impl Into<String>,
        source: impl Into<String>,
    ) -> Metric {
        Metric {
            key: key.into(),
            side: None,
            value,
            unit: unit.into(),
            source: source.into(),
            n: None,
        }
    }

    /// The same metric for one side.
    pub fn with_side(mut self, side: Side) -> Metric {
        self.side = Some(side);
        self
    }

    /// The same metric with its count of cycles/strides/trials.
    pub fn with_n(mut self, n: u32) -> Metric {
        self.n = Some(n);
        self
    }
}
