//! The kinematic body model: every activity writes knots into a small set of smooth channels
//! (segment angles, pelvis offsets, path heading/speed) and foot-contact intervals; a pose query
//! then gives any segment's orientation and sensor position at any time, analytically.
//!
//! Models (all positions in metres, world frame X forward, Y left, Z up):
//! - **Path**: heading ψ(t) and speed v(t) channels; the walking line P(t) is ∫ v·(cos ψ, sin ψ),
//!   integrated per 10 ms cell with 4-point Gauss–Legendre (smooth, so differentiable).
//! - **Lower back** (L5): P(t) plus pelvis offsets in the heading frame (AP, ML), height, and
//!   a vertical excursion following the inverted-pendulum CoM: lowest in mid double support,
//!   highest in mid single support (≈ 4 cm peak-to-peak at 0.65 m steps), ML sway toward the
//!   stance leg at stride frequency (±4.5 cm), forward speed fluctuation (±2 cm position), and
//!   a 0.4 mm, 18 ms Gaussian heel-strike dip at every initial contact. Orientation is
//!   yaw (heading + ±5° pelvic rotation) · roll (pelvic drop, per stance side) · pitch (±1.5°).
//! - **Foot**: rigid, planted during contact: rotation about the heel while toes are up
//!   (loading), flat (zero velocity and rotation) from 15 % to 55 % of stance, rotation about the
//!   toe after heel-off; in swing the sensor point follows a quintic Hermite path between the
//!   two contacts' boundary states plus a clearance bump.
//!   Out of the sagittal plane the foot inverts a little at heel strike (5°) and push-off (8°)
//!   and twists toes-in/out by a few degrees in swing (rotation about the sensor point).
//! - **Shank / thigh**: sagittal segment-angle profiles per leg from knots at IC, mid-stance, FC
//!   and mid-swing (stance: slow forward rotation; swing: large backward rotation); positions
//!   along the chain hip → knee → sensor. Legs take the yaw of their own foot.
//! - **Sway** (standing and balance): windowed sinusoids on the pelvis (ML/AP), the trunk tilting
//!   as an inverted pendulum (angle = displacement / height) and the shanks following (ankle
//!   strategy).
//!
//! **Checked against real recordings** (`examples/compare_real.rs`, numbers as of this commit;
//! sd = standard deviation over steady walking, "dom" = dominant frequency):
//!
//! | signal | real | simulated |
//! |---|---|---|
//! | lower back acc up (Mobilise-D HA_001 T5, 100 steps/min) | sd 1.62, p5–p95 7.1–12.5 m/s², dom 1.69 Hz | sd 1.85, 7.3–12.4, dom 1.68 Hz |
//! | lower back acc ML / AP | sd 0.92 (dom 0.88 Hz) / 1.09 (1.70 Hz) | sd 0.72 (0.85 Hz) / 0.73 (1.67 Hz) |
//! | lower back gyro yaw / pitch / roll | sd 18.6 / 13.6 / 7.2 deg/s | sd 20.1 / 11.7 / 11.5 deg/s |
//! | foot gyro sagittal (gaitmap healthy_walk, 110 steps/min) | sd 231, p5 −338, p95 430 deg/s | sd 228, p5 −428, p95 275 |
//! | foot gyro other axes | sd 87 / 109 deg/s | sd 52 / 41 deg/s |
//! | foot acc up | sd 11.9, p95 28, max 157 m/s² | sd 10.7, p95 40, max 50 |
//!
//! Known differences: no heel-strike impact transients on the feet (real peaks > 100 m/s²),
//! less out-of-plane foot rotation, and real sensors sit tilted (nonzero means on the lower
//! back's y/z; use `SensorSpec::misalignment_deg` to reproduce that).
//!
//! Every channel is C2 (quintic Hermite, see [`crate::math::Channel`]), foot stance/swing joins
//! are C1, so finite differences at 1 ms give consistent accelerations and angular rates.

use steady_core::{Placement, Segment, Side};

use crate::math::{self, rad, Channel, Knot, M3, V3};

/// Height of the L5 sensor above the floor when standing, m.
pub const BACK_HEIGHT_STAND_M: f64 = 1.0;
/// Height of the L5 sensor when seated, m.
pub const BACK_HEIGHT_SIT_M: f64 = 0.55;
/// Pelvis (hip) half-width, m.
const HIP_HALF_WIDTH_M: f64 = 0.09;
/// Thigh length hip → knee, m.
const THIGH_M: f64 = 0.42;
/// Heel → toe pivot distance, m.
const TOE_M: f64 = 0.22;
/// Foot sensor position relative to the heel in foot-local (F, L-outward, U), m.
const FOOT_SENSOR_M: V3 = [0.12, 0.04, 0.06];
/// Path integration cell, s.
const PATH_CELL_S: f64 = 0.01;

/// One foot contact: the foot is on the ground from `start` to `end` (s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contact {
    /// Touch-down (initial contact), s.
    pub start: f64,
    /// Lift-off (final contact), s; `f64::INFINITY` while open.
    pub end: f64,
    /// Heel position on the floor, world XY, m.
    pub heel: [f64; 2],
    /// Foot yaw, rad.
    pub yaw: f64,
}

/// Knot lists being collected for one channel (sorted when the body is finished).
#[derive(Debug, Clone, Default)]
pub struct KnotList(pub Vec<Knot>);

impl KnotList {
    /// Add a knot (value and slope in channel units).
    pub fn at(&mut self, t: f64, v: f64, d: f64) {
        self.0.push(Knot { t, v, d });
    }
    /// Add a zero-slope knot.
    pub fn hold(&mut self, t: f64, v: f64) {
        self.at(t, v, 0.0);
    }
    /// Add a knot given in degrees and deg/s (stored in radians).
    pub fn deg(&mut self, t: f64, v_deg: f64, d_dps: f64) {
        self.at(t, rad(v_deg), rad(d_dps));
    }
    fn build(mut self, initial: f64) -> Channel {
        // Stable sort: of two knots at the same time the later-written one wins (Channel::push).
        self.0.sort_by(|a, b| a.t.total_cmp(&b.t));
        if self.0.is_empty() {
            return Channel::constant(initial);
        }
        let mut c = Channel::default();
        for k in self.0 {
            c.push(k.t, k.v, k.d);
        }
        c
    }
}

/// Per-leg knots and contacts.
#[derive(Debug, Clone, Default)]
pub struct LegKnots {
    /// Foot pitch (+ toes down), rad.
    pub foot: KnotList,
    /// Shank pitch (+ knee ahead of ankle), rad.
    pub shank: KnotList,
    /// Thigh pitch (+ hip ahead of knee, i.e. extension), rad.
    pub thigh: KnotList,
    /// Foot lift above the base swing path, m.
    pub lift_z: KnotList,
    /// Foot displacement backward (heel toward buttock), m.
    pub lift_back: KnotList,
    /// Foot inversion (+ sole turned inward), rad; zero while the foot is flat.
    pub invert: KnotList,
    /// Foot toe-in twist relative to the path (+ toes turned inward), rad; zero in stance.
    pub twist: KnotList,
    /// Contacts in time order (the last may be open).
    pub contacts: Vec<Contact>,
}

/// A windowed sinusoidal sway of the pelvis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sway {
    /// Start, s.
    pub t0: f64,
    /// End, s.
    pub t1: f64,
    /// ML amplitude, m.
    pub ml_m: f64,
    /// AP amplitude, m.
    pub ap_m: f64,
    /// Frequency, Hz.
    pub hz: f64,
    /// Phase, rad.
    pub phase: f64,
}

impl Sway {
    fn eval(&self, t: f64) -> (f64, f64) {
        if t <= self.t0 || t >= self.t1 {
            return (0.0, 0.0);
        }
        let ramp = ((self.t1 - self.t0) / 3.0).min(1.0);
        let w = math::smoothstep5((t - self.t0) / ramp) * math::smoothstep5((self.t1 - t) / ramp);
        let a = std::f64::consts::TAU * self.hz * (t - self.t0) + self.phase;
        // Two incommensurate components so the sway does not look like a pure tone.
        let ml = self.ml_m * (0.8 * a.sin() + 0.35 * (2.13 * a + 1.0).sin());
        let ap = self.ap_m * (0.8 * (0.77 * a + 0.5).cos() + 0.35 * (1.71 * a).sin());
        (w * ml, w * ap)
    }
}

/// Everything activities write while a scenario is laid out.
#[derive(Debug, Clone, Default)]
pub struct BodyKnots {
    /// Left and right leg.
    pub legs: [LegKnots; 2],
    /// Path heading, rad.
    pub heading: KnotList,
    /// Path speed, m/s.
    pub speed: KnotList,
    /// Pelvis ML offset (+ left), m.
    pub ml: KnotList,
    /// Pelvis AP offset (+ forward), m.
    pub ap: KnotList,
    /// Pelvis vertical excursion, m.
    pub vert: KnotList,
    /// L5 height, m.
    pub height: KnotList,
    /// Pelvis yaw oscillation, rad.
    pub yaw: KnotList,
    /// Pelvis/trunk roll (+ right side down), rad.
    pub roll: KnotList,
    /// Trunk pitch (+ forward lean), rad.
    pub pitch: KnotList,
    /// Sway episodes.
    pub sways: Vec<Sway>,
    /// Heel-strike dips: (time, depth m).
    pub impacts: Vec<(f64, f64)>,
}

/// Finished, queryable body model.
#[derive(Debug, Clone)]
pub struct Body {
    legs: [Leg; 2],
    heading: Channel,
    speed: Channel,
    ml: Channel,
    ap: Channel,
    vert: Channel,
    height: Channel,
    yaw: Channel,
    roll: Channel,
    pitch: Channel,
    sways: Vec<Sway>,
    impacts: Vec<(f64, f64)>,
    path: Vec<[f64; 2]>,
}

#[derive(Debug, Clone)]
struct Leg {
    side: Side,
    foot: Channel,
    shank: Channel,
    thigh: Channel,
    lift_z: Channel,
    lift_back: Channel,
    invert: Channel,
    twist: Channel,
    contacts: Vec<Contact>,
}

/// +1 for left, −1 for right (lateral sign in the L direction).
pub fn lat(side: Side) -> f64 {
    match side {
        Side::Left => 1.0,
        Side::Right => -1.0,
    }
}

/// Gauss–Legendre 4-point nodes and weights on [−1, 1].
pub(crate) const GL4: [(f64, f64); 4] = [
    (-0.861_136_311_594_052_6, 0.347_854_845_137_453_9),
    (-0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.861_136_311_594_052_6, 0.347_854_845_137_453_9),
];

impl BodyKnots {
    /// Freeze the knots into a queryable body valid on `[0, duration_s]`.
    pub fn finish(self, duration_s: f64) -> Body {
        let legs = {
            let [l, r] = self.legs;
            [Leg::new(Side::Left, l), Leg::new(Side::Right, r)]
        };
        let mut body = Body {
            legs,
            heading: self.heading.build(0.0),
            speed: self.speed.build(0.0),
            ml: self.ml.build(0.0),
            ap: self.ap.build(0.0),
            vert: self.vert.build(0.0),
            height: self.height.build(BACK_HEIGHT_STAND_M),
            yaw: self.yaw.build(0.0),
            roll: self.roll.build(0.0),
            pitch: self.pitch.build(0.0),
            sways: self.sways,
            impacts: self.impacts,
            path: Vec::new(),
        };
        let n = (duration_s / PATH_CELL_S).ceil() as usize + 2;
        let mut path = Vec::with_capacity(n + 1);
        let mut p = [0.0, 0.0];
        path.push(p);
        for k in 0..n {
            let d = body.path_integral(k as f64 * PATH_CELL_S, (k + 1) as f64 * PATH_CELL_S);
            p = [p[0] + d[0], p[1] + d[1]];
            path.push(p);
        }
        body.path = path;
        body
    }
}

impl Leg {
    fn new(side: Side, k: LegKnots) -> Leg {
        let mut contacts = k.contacts;
        if contacts.is_empty() {
            contacts.push(Contact {
                start: f64::NEG_INFINITY,
                end: f64::INFINITY,
                heel: [-0.1, lat(side) * 0.1],
                yaw: 0.0,
            });
        }
        Leg {
            side,
            foot: k.foot.build(0.0),
            shank: k.shank.build(0.0),
            thigh: k.thigh.build(0.0),
            lift_z: k.lift_z.build(0.0),
            lift_back: k.lift_back.build(0.0),
            invert: k.invert.build(0.0),
            twist: k.twist.build(0.0),
            contacts,
        }
    }

    /// Foot yaw and sensor position from the contact model.
    fn foot_pose(&self, t: f64) -> (f64, V3) {
        let i = self.contacts.partition_point(|c| c.start <= t);
        // i - 1 is the last contact that started at or before t.
        let cur = if i == 0 {
            None
        } else {
            Some(&self.contacts[i - 1])
        };
        let (yaw, mut p) = match cur {
            Some(c) if t <= c.end => (c.yaw, self.stance_pos(c, t)),
            Some(c) => {
                // Swing toward the next contact (or hover if there is none).
                let next = self.contacts.get(i).copied().unwrap_or(*c);
                let (t0, t1) = (c.end, next.start.max(c.end + 1e-3));
                let h = 1e-4;
                let p0 = self.stance_pos(c, t0);
                let v0 = math::scale(
                    math::sub(self.stance_pos(c, t0 + h), self.stance_pos(c, t0 - h)),
                    0.5 / h,
                );
                let p1 = self.stance_pos(&next, t1);
                let v1 = math::scale(
                    math::sub(
                        self.stance_pos(&next, t1 + h),
                        self.stance_pos(&next, t1 - h),
                    ),
                    0.5 / h,
                );
                let dt = t1 - t0;
                let tau = ((t - t0) / dt).clamp(0.0, 1.0);
                let mut p = [0.0; 3];
                for a in 0..3 {
                    let mut ch = Channel::default();
                    ch.push(t0, p0[a], v0[a]);
                    ch.push(t1, p1[a], v1[a]);
                    p[a] = ch.eval(t0 + tau * dt);
                }
                let mut yc = Channel::default();
                yc.push(t0, c.yaw, 0.0);
                yc.push(t1, next.yaw, 0.0);
                (yc.eval(t), p)
            }
            None => {
                let c = &self.contacts[0];
                (c.yaw, self.stance_pos(c, t))
            }
        };
        let back = self.lift_back.eval(t);
        p[0] -= back * yaw.cos();
        p[1] -= back * yaw.sin();
        p[2] += self.lift_z.eval(t);
        (yaw, p)
    }

    /// Sensor position of a foot pivoting on contact `c` at time t (pitch from the channel).
    fn stance_pos(&self, c: &Contact, t: f64) -> V3 {
        let th = self.foot.eval(t);
        let l = lat(self.side);
        let r = [FOOT_SENSOR_M[0], l * FOOT_SENSOR_M[1], FOOT_SENSOR_M[2]];
        // Toes up: roll on the heel; toes down: roll on the toe.
        let pivot = if th < 0.0 {
            [0.0, 0.0, 0.0]
        } else {
            [TOE_M, 0.0, 0.0]
        };
        let local = math::add(pivot, math::mul_v(&math::rot_y(th), math::sub(r, pivot)));
        let w = math::mul_v(&math::rot_z(c.yaw), local);
        [c.heel[0] + w[0], c.heel[1] + w[1], w[2]]
    }
}

impl Body {
    fn path_integral(&self, a: f64, b: f64) -> [f64; 2] {
        let (m, h) = (0.5 * (a + b), 0.5 * (b - a));
        let mut s = [0.0, 0.0];
        for (x, w) in GL4 {
            let t = m + h * x;
            let v = self.speed.eval(t);
            let psi = self.heading.eval(t);
            s[0] += w * v * psi.cos();
            s[1] += w * v * psi.sin();
        }
        [s[0] * h, s[1] * h]
    }

    /// Walking-line position P(t), world XY.
    pub fn path_pos(&self, t: f64) -> [f64; 2] {
        let t = t.max(0.0);
        let k = ((t / PATH_CELL_S).floor() as usize).min(self.path.len() - 1);
        let t0 = k as f64 * PATH_CELL_S;
        let d = self.path_integral(t0, t);
        [self.path[k][0] + d[0], self.path[k][1] + d[1]]
    }

    /// Heading of the walking line, rad.
    pub fn heading(&self, t: f64) -> f64 {
        self.heading.eval(t)
    }

    /// Pelvis base point (without trunk rotation) and heading.
    fn pelvis(&self, t: f64) -> (V3, f64, f64, f64) {
        let p = self.path_pos(t);
        let psi = self.heading.eval(t);
        let (mut sml, mut sap) = (0.0, 0.0);
        for s in &self.sways {
            let (a, b) = s.eval(t);
            sml += a;
            sap += b;
        }
        let ml = self.ml.eval(t) + sml;
        let ap = self.ap.eval(t) + sap;
        let off = math::mul_v(&math::rot_z(psi), [ap, ml, 0.0]);
        let mut z = self.height.eval(t) + self.vert.eval(t);
        for &(ti, depth) in &self.impacts {
            let x = (t - ti - 0.015) / 0.018;
            if x.abs() < 6.0 {
                z -= depth * (-x * x).exp();
            }
        }
        ([p[0] + off[0], p[1] + off[1], z], psi, sml, sap)
    }

    /// World-from-segment rotation (segment-local F, L, U axes) and the sensor point.
    pub fn segment_pose(&self, placement: Placement, t: f64) -> (M3, V3) {
        let (base, psi, sml, sap) = self.pelvis(t);
        let h = self.height.eval(t).max(0.3);
        match placement.side() {
            None => {
                let r = math::ypr(
                    psi + self.yaw.eval(t),
                    self.roll.eval(t) - sml / h,
                    self.pitch.eval(t) + sap / h,
                );
                (r, base)
            }
            Some(side) => {
                let leg = &self.legs[crate::scenario::side_index(side)];
                let l = lat(side);
                let (fyaw, fpos) = leg.foot_pose(t);
                if placement.segment() == Segment::Foot {
                    // Inversion lifts the medial border: a negative roll for the left foot.
                    let yaw = fyaw - l * leg.twist.eval(t);
                    let roll = -l * leg.invert.eval(t);
                    return (math::ypr(yaw, roll, leg.foot.eval(t)), fpos);
                }
                let hip = math::add(
                    base,
                    math::add(
                        math::mul_v(&math::rot_z(psi), [0.0, l * HIP_HALF_WIDTH_M, 0.0]),
                        [0.0, 0.0, -0.08],
                    ),
                );
                let rt = math::ypr(fyaw, 0.0, leg.thigh.eval(t));
                if placement.segment() == Segment::Thigh {
                    return (rt, math::add(hip, math::mul_v(&rt, [0.0, l * 0.07, -0.2])));
                }
                let knee = math::add(hip, math::mul_v(&rt, [0.0, 0.0, -THIGH_M]));
                let rs = math::ypr(fyaw, 0.0, leg.shank.eval(t) + sap / 0.9);
                (
                    rs,
                    math::add(knee, math::mul_v(&rs, [0.02, l * 0.05, -0.2])),
                )
            }
        }
    }

    /// Contacts of a leg.
    pub fn contacts(&self, side: Side) -> &[Contact] {
        &self.legs[crate::scenario::side_index(side)].contacts
    }
}
