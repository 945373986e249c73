//! Lays a [`Scenario`] out on the timeline: turns every activity into knots of the body model
//! ([`crate::body`]) and records the ground truth at the same time, so truth and signals come
//! from one script.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use steady_core::Side;

use crate::body::{
    lat, Body, BodyKnots, Contact, LegKnots, Sway, BACK_HEIGHT_SIT_M, BACK_HEIGHT_STAND_M, GL4,
};
use crate::math::{self, rad};
use crate::scenario::{
    side_index, Activity, BalanceStage, ChairStandParams, FourStageParams, RoutePiece, Scenario,
    SlsOutcome, SlsParams, TugParams, WalkParams,
};
use crate::truth::{
    BalanceTrialTruth, BoutTruth, ChairRepTruth, ChairStandTruth, EventKind, GaitEvent,
    SegmentTruth, StageTruth, StrideTruth, TrialEnd, Truth, TugTruth,
};

/// Half the distance between the feet when standing, m.
const STAND_HALF_WIDTH_M: f64 = 0.1;
/// Heel position behind the walking line point at mid-stance, m.
const HEEL_BEHIND_M: f64 = 0.1;
/// Duration of a deliberate descent of the free foot at the end of a single-leg stance, s.
const SLS_DESCENT_S: f64 = 0.5;

/// Standard normal deviate (Box–Muller), deterministic from the generator.
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Lays out a scenario.
pub struct Layout {
    k: BodyKnots,
    truth: Truth,
    rng: ChaCha8Rng,
    /// Current time, s.
    t: f64,
    /// Walking-line position at `t` (XY) and heading.
    p: [f64; 2],
    psi: f64,
}

/// Times of a laid-out walk.
struct WalkTimes {
    piece_bounds: Vec<(f64, f64)>,
    last_ic: f64,
}

/// Lay out a scenario: the finished body model and its truth.
pub fn lay_out(scenario: &Scenario, rng: ChaCha8Rng) -> (Body, Truth) {
    let scenario = &scenario.sanitized();
    let mut l = Layout {
        k: BodyKnots::default(),
        truth: Truth::default(),
        rng,
        t: 0.0,
        p: [0.0, 0.0],
        psi: 0.0,
    };
    for side in Side::BOTH {
        l.k.legs[side_index(side)].contacts.push(Contact {
            start: f64::NEG_INFINITY,
            end: f64::INFINITY,
            heel: [-HEEL_BEHIND_M, lat(side) * STAND_HALF_WIDTH_M],
            yaw: 0.0,
        });
    }
    l.k.height.hold(0.0, BACK_HEIGHT_STAND_M);
    l.k.speed.hold(0.0, 0.0);
    l.k.heading.hold(0.0, 0.0);
    l.neutral(0.0);
    for (index, a) in scenario.activities.iter().enumerate() {
        let start = l.t;
        let kind = match a {
            Activity::Stand { duration_s } => {
                l.stand(*duration_s, 0.003, 0.004);
                "stand"
            }
            Activity::Walk { params, route } => {
                l.walk(params, route, 0.5);
                "walk"
            }
            Activity::SingleLegStance(p) => {
                l.sls(p);
                "single_leg_stance"
            }
            Activity::FourStage(p) => {
                l.four_stage(p);
                "four_stage"
            }
            Activity::ChairStand(p) => {
                l.chair_stand(p);
                "chair_stand"
            }
            Activity::Tug(p) => {
                l.tug(p);
                "tug"
            }
        };
        l.truth.segments.push(SegmentTruth {
            index,
            kind,
            start_s: start,
            end_s: l.t,
        });
    }
    // A short tail so the last movement settles inside the recording.
    l.stand(0.5, 0.0, 0.0);
    l.truth.duration_s = l.t;
    l.truth.events.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    l.truth
        .strides
        .sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let d = l.t;
    (l.k.finish(d + 1.0), l.truth)
}

impl Layout {
    fn leg(&mut self, side: Side) -> &mut LegKnots {
        &mut self.k.legs[side_index(side)]
    }

    /// Zero-slope neutral standing knots on every posture channel at `t`.
    fn neutral(&mut self, t: f64) {
        for side in Side::BOTH {
            let g = self.leg(side);
            g.foot.hold(t, 0.0);
            g.shank.hold(t, 0.0);
            g.thigh.hold(t, 0.0);
            g.lift_z.hold(t, 0.0);
            g.lift_back.hold(t, 0.0);
            g.invert.hold(t, 0.0);
            g.twist.hold(t, 0.0);
        }
        let k = &mut self.k;
        for c in [
            &mut k.ml,
            &mut k.ap,
            &mut k.vert,
            &mut k.yaw,
            &mut k.roll,
            &mut k.pitch,
        ] {
            c.hold(t, 0.0);
        }
        k.height.hold(t, BACK_HEIGHT_STAND_M);
        k.speed.hold(t, 0.0);
        k.heading.hold(t, self.psi);
    }

    /// End the open contact of `side` at `t` (final contact) and record the event.
    fn lift(&mut self, side: Side, t: f64, record: bool) {
        if let Some(c) = self.leg(side).contacts.last_mut() {
            c.end = t;
        }
        if record {
            self.event(EventKind::FinalContact, side, t);
        }
    }

    /// Open a new contact of `side` at `t` (initial contact).
    fn place(&mut self, side: Side, t: f64, heel: [f64; 2], yaw: f64, record: bool) {
        self.leg(side).contacts.push(Contact {
            start: t,
            end: f64::INFINITY,
            heel,
            yaw,
        });
        if record {
            self.event(EventKind::InitialContact, side, t);
        }
    }

    fn event(&mut self, kind: EventKind, side: Side, t_s: f64) {
        self.truth.events.push(GaitEvent { kind, side, t_s });
    }

    /// Heel position of a foot standing beside the line point `p` with heading `psi`.
    fn beside(p: [f64; 2], psi: f64, side: Side, fwd: f64, half_width: f64) -> [f64; 2] {
        let o = math::mul_v(
            &math::rot_z(psi),
            [fwd - HEEL_BEHIND_M, lat(side) * half_width, 0.0],
        );
        [p[0] + o[0], p[1] + o[1]]
    }

    fn open_heel(&self, side: Side) -> [f64; 2] {
        self.k.legs[side_index(side)]
            .contacts
            .last()
            .map_or([0.0, 0.0], |c| c.heel)
    }

    /// Quiet standing with a little sway.
    fn stand(&mut self, duration_s: f64, ml_m: f64, ap_m: f64) {
        let t0 = self.t;
        self.neutral(t0);
        if ml_m > 0.0 || ap_m > 0.0 {
            let phase = self.rng.gen::<f64>() * std::f64::consts::TAU;
            self.k.sways.push(Sway {
                t0,
                t1: t0 + duration_s,
                ml_m,
                ap_m,
                hz: 0.35,
                phase,
            });
        }
        self.t = t0 + duration_s;
        self.neutral(self.t);
    }

    /// Sagittal knots of one stance phase `[ic, fc]` with amplitude scale `a`.
    fn stance_knots(&mut self, side: Side, ic: f64, fc: f64, a: f64, a_fc: f64) {
        let s = fc - ic;
        let g = self.leg(side);
        g.foot.deg(ic, -20.0 * a, 200.0 * a);
        g.foot.deg(ic + 0.15 * s, 0.0, 0.0);
        g.foot.deg(ic + 0.55 * s, 0.0, 0.0);
        g.foot.deg(fc, 60.0 * a_fc, 250.0 * a_fc);
        g.shank.deg(ic, -15.0 * a, 60.0 * a);
        g.shank.deg(ic + 0.5 * s, 10.0 * a, 75.0 * a);
        g.shank.deg(fc, 45.0 * a_fc, 120.0 * a_fc);
        g.thigh.deg(ic, -25.0 * a, 30.0 * a);
        g.thigh.deg(ic + 0.5 * s, -8.0 * a, 50.0 * a);
        g.thigh.deg(fc, 8.0 * a_fc, -40.0 * a_fc);
        g.invert.deg(ic, 5.0 * a, -40.0 * a);
        g.invert.deg(ic + 0.15 * s, 0.0, 0.0);
        g.invert.deg(ic + 0.55 * s, 0.0, 0.0);
        g.invert.deg(fc, 8.0 * a_fc, 60.0 * a_fc);
        g.twist.deg(fc, 0.0, 0.0);
        g.twist.deg(ic, 0.0, 0.0);
    }

    /// Sagittal knots of one swing `[fc, ic]` (mid-swing only; the ends belong to stance).
    fn swing_knots(&mut self, side: Side, fc: f64, ic: f64, a_fc: f64, a_ic: f64, clear_m: f64) {
        let w = ic - fc;
        let g = self.leg(side);
        let foot_mid = 0.5 * (60.0 * a_fc - 20.0 * a_ic);
        g.foot.deg(
            fc + 0.45 * w,
            foot_mid,
            -1.6 * (60.0 * a_fc + 20.0 * a_ic) / w,
        );
        let shank_mid = 0.5 * (45.0 * a_fc - 15.0 * a_ic);
        g.shank.deg(
            fc + 0.45 * w,
            shank_mid,
            -1.8 * (45.0 * a_fc + 15.0 * a_ic) / w,
        );
        g.thigh.deg(fc + 0.55 * w, -27.0 * a_ic, -40.0 * a_ic);
        g.invert.deg(fc + 0.3 * w, 10.0 * a_fc, -20.0 * a_fc);
        g.invert.deg(fc + 0.75 * w, 2.0 * a_ic, -10.0 * a_ic);
        g.twist.deg(fc + 0.3 * w, 8.0 * a_fc, 0.0);
        g.twist.deg(fc + 0.7 * w, -6.0 * a_ic, 0.0);
        g.lift_z.hold(fc, 0.0);
        g.lift_z.hold(fc + 0.5 * w, clear_m);
        g.lift_z.hold(ic, 0.0);
    }

    /// A walking bout from standing to standing. `lead_in_s`: standing time before the first
    /// toe-off. Returns the bout's key times.
    fn walk(&mut self, wp: &WalkParams, route: &[RoutePiece], lead_in_s: f64) -> WalkTimes {
        let t0 = self.t;
        self.neutral(t0);
        let stride = wp.stride_time_s();
        let v = wp.speed_mps();
        let amp = (wp.step_length_m / 0.65).clamp(0.4, 1.6);
        let sf = |s: Side| wp.stance_fraction[side_index(s)].clamp(0.52, 0.8);
        let a_side = wp.first_swing;
        let b_side = a_side.opposite();
        let fc0 = t0 + lead_in_s;

        // Path: speed ramp, route pieces, ramp down. Heading/speed knots are written both to the
        // body and to local lists used to place footprints on the same line.
        let mut heading = vec![(t0, self.psi, 0.0)];
        let mut speed = vec![(t0, 0.0, 0.0), (fc0 - 0.15, 0.0, 0.0)];
        let mut tr = fc0 + 0.6 * stride;
        speed.push((tr, v, 0.0));
        let mut psi = self.psi;
        let mut bounds = Vec::new();
        for piece in route {
            match *piece {
                RoutePiece::Straight { duration_s } => {
                    let d = duration_s.max(0.0);
                    speed.push((tr + d, v, 0.0));
                    bounds.push((tr, tr + d));
                    tr += d;
                }
                RoutePiece::Turn {
                    angle_deg,
                    duration_s,
                    speed_factor,
                } => {
                    let d = duration_s.max(0.2);
                    heading.push((tr, psi, 0.0));
                    psi += rad(angle_deg);
                    heading.push((tr + d, psi, 0.0));
                    speed.push((tr + 0.5 * d, v * speed_factor.clamp(0.05, 1.0), 0.0));
                    speed.push((tr + d, v, 0.0));
                    bounds.push((tr, tr + d));
                    tr += d;
                }
            }
        }
        let stop = tr + 0.8 * stride;
        speed.push((stop, 0.0, 0.0));
        heading.push((stop, psi, 0.0));
        for &(t, x, d) in &heading {
            self.k.heading.at(t, x, d);
        }
        for &(t, x, d) in &speed {
            self.k.speed.at(t, x, d);
        }
        let mk = |v: &[(f64, f64, f64)]| {
            let mut c = math::Channel::default();
            for &(t, x, d) in v {
                c.push(t, x, d);
            }
            c
        };
        let (hch, sch) = (mk(&heading), mk(&speed));
        // The walking line sampled on the same absolute 10 ms grid as `Body::path_pos`, with
        // 4-point Gauss–Legendre inside cells, so footprints sit exactly on the body's line.
        let gl = |a: f64, b: f64| -> [f64; 2] {
            let (m, h) = (0.5 * (a + b), 0.5 * (b - a));
            let mut d = [0.0, 0.0];
            for (x, w) in GL4 {
                let u = m + h * x;
                let (vv, ps) = (sch.eval(u), hch.eval(u));
                d[0] += h * w * vv * ps.cos();
                d[1] += h * w * vv * ps.sin();
            }
            d
        };
        let cell0 = (t0 / 0.01).ceil() * 0.01;
        let n_cells = ((stop + 0.05 - cell0) / 0.01).ceil().max(0.0) as usize;
        let mut grid = Vec::with_capacity(n_cells + 1);
        let d0 = gl(t0, cell0);
        grid.push([self.p[0] + d0[0], self.p[1] + d0[1]]);
        for c in 0..n_cells {
            let a = cell0 + c as f64 * 0.01;
            let d = gl(a, a + 0.01);
            let last = grid[grid.len() - 1];
            grid.push([last[0] + d[0], last[1] + d[1]]);
        }
        let p_start = self.p;
        let line = |t: f64| -> [f64; 2] {
            if t <= cell0 {
                let d = gl(t0, t.max(t0));
                return [p_start[0] + d[0], p_start[1] + d[1]];
            }
            let k = (((t - cell0) / 0.01).floor() as usize).min(grid.len() - 1);
            let a = cell0 + k as f64 * 0.01;
            let d = gl(a, t);
            [grid[k][0] + d[0], grid[k][1] + d[1]]
        };

        // Initial contacts: alternate sides from the lead leg's first landing.
        let mut ics: Vec<(Side, f64)> = vec![(a_side, fc0 + (1.0 - sf(a_side)) * stride)];
        loop {
            let (s, t) = *ics.last().unwrap_or(&(a_side, fc0));
            if t >= stop - 0.5 * stride && ics.len() >= 3 {
                break;
            }
            let z = normal(&mut self.rng).clamp(-3.0, 3.0);
            let step = 0.5 * stride * (1.0 + wp.step_time_cv * z).clamp(0.8, 1.2);
            ics.push((s.opposite(), t + step));
        }
        let (last_side, last_ic) = *ics.last().unwrap_or(&(a_side, fc0));
        let close_side = last_side.opposite();
        let close_fc = last_ic + (sf(close_side) - 0.5) * stride;
        let close_ic = close_fc + 0.8 * (1.0 - sf(close_side)) * stride;
        let p_end = line(stop + 0.01);

        // Per leg: list of (ic, fc) contacts in this walk; the standing contact has ic = None.
        struct C {
            ic: Option<f64>,
            fc: Option<f64>,
            heel: [f64; 2],
            yaw: f64,
        }
        let mut legs: [Vec<C>; 2] = [Vec::new(), Vec::new()];
        for s in Side::BOTH {
            legs[side_index(s)].push(C {
                ic: None,
                fc: None,
                heel: self.open_heel(s),
                yaw: self.psi,
            });
        }
        legs[side_index(a_side)][0].fc = Some(fc0);
        legs[side_index(b_side)][0].fc = Some(ics[0].1 + (sf(b_side) - 0.5) * stride);
        let n = ics.len();
        for (j, &(s, t)) in ics.iter().enumerate() {
            let li = side_index(s);
            // Close this leg's previous contact if it has no FC yet.
            let next_same = ics[j + 1..].iter().find(|x| x.0 == s).map(|x| x.1);
            let fc = if j == n - 1 {
                None
            } else if let Some(nx) = next_same {
                Some(t + sf(s) * (nx - t))
            } else {
                Some(close_fc)
            };
            legs[li].push(C {
                ic: Some(t),
                fc,
                heel: [0.0, 0.0],
                yaw: 0.0,
            });
        }
        legs[side_index(close_side)].push(C {
            ic: Some(close_ic),
            fc: None,
            heel: Self::beside(p_end, psi, close_side, 0.0, STAND_HALF_WIDTH_M),
            yaw: psi,
        });
        // Footprints: under the line at mid-stance, half a step width out.
        for s in Side::BOTH {
            let li = side_index(s);
            let m = legs[li].len();
            for (c_i, c) in legs[li].iter_mut().enumerate().skip(1) {
                let (ic, fc) = (c.ic.unwrap_or(t0), c.fc);
                match fc {
                    Some(fc) if !(s == close_side && c_i == m - 1) => {
                        let mid = 0.5 * (ic + fc);
                        let ps = hch.eval(mid);
                        let jit = wp.step_length_cv
                            * wp.step_length_m
                            * normal(&mut self.rng).clamp(-3.0, 3.0);
                        c.heel = Self::beside(line(mid), ps, s, jit, 0.5 * wp.step_width_m);
                        c.yaw = ps;
                    }
                    _ => {
                        if !(s == close_side && c_i == m - 1) {
                            c.heel = Self::beside(p_end, psi, s, 0.0, STAND_HALF_WIDTH_M);
                            c.yaw = psi;
                        }
                    }
                }
            }
        }

        // Contacts, events, angle knots.
        for s in Side::BOTH {
            let li = side_index(s);
            let cs = std::mem::take(&mut legs[li]);
            let m = cs.len();
            for (c_i, c) in cs.iter().enumerate() {
                let next_ic = cs.get(c_i + 1).and_then(|x| x.ic);
                let is_close = s == close_side && c_i == m - 1;
                let a_here = if is_close { 0.5 * amp } else { amp };
                match c.ic {
                    None => {
                        // Standing contact: rise to the first toe-off from neutral.
                        let fc = c.fc.unwrap_or(fc0);
                        let first = s == a_side;
                        let a_fc = if first { 0.6 * amp } else { amp };
                        let g = self.leg(s);
                        g.foot.deg(fc - 0.3, 0.0, 0.0);
                        g.foot.deg(fc, 60.0 * a_fc, 250.0 * a_fc);
                        if !first {
                            let t_mid = ics[0].1;
                            g.shank.deg(t_mid, 12.0 * amp, 75.0 * amp);
                            g.thigh.deg(t_mid, -3.0 * amp, 50.0 * amp);
                        }
                        g.shank.deg(fc, 45.0 * a_fc, 120.0 * a_fc);
                        g.thigh.deg(fc, 8.0 * a_fc, -40.0 * a_fc);
                        self.lift(s, fc, true);
                        if let Some(nx) = next_ic {
                            self.swing_knots(s, fc, nx, a_fc, amp, 0.05);
                        }
                    }
                    Some(ic) => {
                        self.place(s, ic, c.heel, c.yaw, true);
                        match c.fc {
                            Some(fc) => {
                                self.stance_knots(s, ic, fc, a_here, amp);
                                self.lift(s, fc, true);
                                if let Some(nx) = next_ic {
                                    let a_next = if s == close_side && c_i + 1 == m - 1 {
                                        0.5 * amp
                                    } else {
                                        amp
                                    };
                                    self.swing_knots(s, fc, nx, amp, a_next, 0.05);
                                }
                            }
                            None => {
                                // Final contact of the bout: settle to neutral standing.
                                let g = self.leg(s);
                                g.foot.deg(ic, -20.0 * a_here, 80.0 * a_here);
                                g.foot.deg(ic + 0.12, 0.0, 0.0);
                                g.shank.deg(ic, -15.0 * a_here, 60.0 * a_here);
                                g.thigh.deg(ic, -25.0 * a_here, 30.0 * a_here);
                                g.invert.deg(ic, 5.0 * a_here, -40.0 * a_here);
                                g.invert.deg(ic + 0.12, 0.0, 0.0);
                                g.twist.deg(ic, 0.0, 0.0);
                                let settle = close_ic.max(ic) + 0.45;
                                g.shank.deg(settle, 0.0, 0.0);
                                g.thigh.deg(settle, 0.0, 0.0);
                                g.foot.deg(settle, 0.0, 0.0);
                            }
                        }
                    }
                }
            }
        }

        // Pelvis: per step, double support then single support.
        let drop = |s: Side| wp.pelvic_drop_deg[side_index(s)];
        let a_v = 0.04 * amp;
        let a_ml = 0.045;
        let a_ap = 0.02 * amp;
        let half = 0.5 * stride;
        // Initiation: weight over the trailing leg during the first swing.
        {
            let mid_sw = 0.5 * (fc0 + ics[0].1);
            let k = &mut self.k;
            k.ml.hold(mid_sw, lat(b_side) * a_ml);
            k.roll.hold(mid_sw, lat(b_side) * rad(drop(b_side)) * 0.5);
            k.vert.hold(mid_sw, 0.25 * a_v);
        }
        let mut all_ics = ics.clone();
        all_ics.push((close_side, close_ic));
        for j in 0..all_ics.len() {
            let (y, ic) = all_ics[j];
            let x = y.opposite();
            let fc_x = self.k.legs[side_index(x)]
                .contacts
                .iter()
                .rev()
                .find(|c| c.start < ic && c.end > ic)
                .map(|c| c.end);
            let g = if j == 0 || j + 1 >= all_ics.len() - 1 {
                0.5
            } else {
                1.0
            };
            let k = &mut self.k;
            k.impacts.push((ic, 0.0004 * amp));
            k.yaw.hold(ic, -lat(y) * rad(5.0) * g);
            let Some(fc_x) = fc_x else { continue };
            if j + 1 >= all_ics.len() {
                continue;
            }
            let next = all_ics[j + 1].1;
            let mid_ds = 0.5 * (ic + fc_x);
            let mid_ss = 0.5 * (fc_x + next);
            let r_y = lat(y) * rad(drop(y));
            let r_x = lat(x) * rad(drop(x));
            k.vert.hold(mid_ds, -0.5 * a_v * g);
            k.vert.hold(mid_ss, 0.5 * a_v * g);
            k.ml.at(mid_ds, 0.0, lat(y) * a_ml * std::f64::consts::PI / half * g);
            k.ml.hold(mid_ss, lat(y) * a_ml * g);
            k.roll.at(
                mid_ds,
                0.0,
                (r_y - r_x) * std::f64::consts::PI / (2.0 * half) * g,
            );
            k.roll.hold(mid_ss, r_y * g);
            k.pitch.hold(mid_ds, rad(1.5) * g);
            k.pitch.hold(mid_ss, -rad(1.5) * g);
            k.ap.at(mid_ds, 0.0, a_ap * std::f64::consts::PI / half * g);
            k.ap.at(mid_ss, 0.0, -a_ap * std::f64::consts::PI / half * g);
        }
        let end = close_ic + 0.6;
        self.t = end;
        self.p = p_end;
        self.psi = psi;
        self.neutral(end);

        // Strides and bout truth.
        for s in Side::BOTH {
            let cs: Vec<Contact> = self.k.legs[side_index(s)]
                .contacts
                .iter()
                .filter(|c| c.start >= fc0 - 1e-9 && c.start <= close_ic + 1e-9)
                .copied()
                .collect();
            let others: Vec<Contact> = self.k.legs[side_index(s.opposite())].contacts.clone();
            for w in 0..cs.len().saturating_sub(1) {
                let (c, nx) = (cs[w], cs[w + 1]);
                let stance = c.end - c.start;
                // Single support: the other foot off the ground during this stance.
                let mut ss = 0.0;
                for o in others.windows(2) {
                    let (a, b) = (o[0].end.max(c.start), o[1].start.min(c.end));
                    if b > a {
                        ss += b - a;
                    }
                }
                let dx = nx.heel[0] - c.heel[0];
                let dy = nx.heel[1] - c.heel[1];
                self.truth.strides.push(StrideTruth {
                    side: s,
                    start_s: c.start,
                    fc_s: c.end,
                    end_s: nx.start,
                    stance_s: stance,
                    swing_s: nx.start - c.end,
                    single_support_s: ss,
                    double_support_s: stance - ss,
                    length_m: (dx * dx + dy * dy).sqrt(),
                    steady: w > 0 && w + 2 < cs.len(),
                });
            }
        }
        self.truth.bouts.push(BoutTruth {
            start_s: ics[0].1,
            end_s: close_ic,
            cadence_spm: wp.cadence_spm,
            speed_mps: v,
        });
        WalkTimes {
            piece_bounds: bounds,
            last_ic: close_ic,
        }
    }

    /// Lift the free leg by knee flexion between `up0` and `up1`; lift-off (FC) at `up0 + 0.1`.
    fn raise_leg(&mut self, side: Side, up0: f64, up1: f64) {
        let g = self.leg(side);
        g.foot.deg(up0, 0.0, 0.0);
        g.shank.deg(up0, 0.0, 0.0);
        g.thigh.deg(up0, 0.0, 0.0);
        g.lift_z.hold(up0 + 0.1, 0.0);
        g.lift_back.hold(up0 + 0.1, 0.0);
        g.foot.deg(up1, 50.0, 0.0);
        g.shank.deg(up1, 60.0, 0.0);
        g.thigh.deg(up1, -15.0, 0.0);
        g.lift_z.hold(up1, 0.14);
        g.lift_back.hold(up1, 0.22);
        self.lift(side, up0 + 0.1, true);
    }

    /// Lower the free leg between `down0` and touch-down `td` onto `heel`.
    fn lower_leg(&mut self, side: Side, down0: f64, td: f64, heel: [f64; 2]) {
        let psi = self.psi;
        let g = self.leg(side);
        g.foot.deg(down0, 50.0, 0.0);
        g.shank.deg(down0, 60.0, 0.0);
        g.thigh.deg(down0, -15.0, 0.0);
        g.lift_z.hold(down0, 0.14);
        g.lift_back.hold(down0, 0.22);
        g.lift_z.hold(td, 0.0);
        g.lift_back.hold(td, 0.0);
        g.foot.deg(td, 0.0, 0.0);
        g.shank.deg(td, 0.0, 0.0);
        g.thigh.deg(td, 0.0, 0.0);
        self.place(side, td, heel, psi, true);
    }

    /// Single-leg stance trial starting now; returns its truth.
    fn sls(&mut self, p: &SlsParams) -> BalanceTrialTruth {
        let t0 = self.t;
        self.neutral(t0);
        let st = p.stance;
        let free = st.opposite();
        let shift = lat(st) * 0.07;
        let lean = -lat(st) * rad(3.0);
        // Anticipatory weight shift and trunk lean toward the stance leg.
        self.k.ml.hold(t0 + 0.4, 0.0);
        self.k.roll.hold(t0 + 0.4, 0.0);
        self.k.ml.hold(t0 + 1.3, shift);
        self.k.roll.hold(t0 + 1.3, lean);
        let up0 = t0 + 1.4;
        let lift_off = up0 + 0.1;
        self.raise_leg(free, up0, up0 + 0.6);
        let heel_free = self.k.legs[side_index(free)]
            .contacts
            .last()
            .map_or([0.0, 0.0], |c| c.heel);
        let (end, fail) = match p.outcome {
            SlsOutcome::TimeLimit => (TrialEnd::TimeLimit, lift_off + p.time_limit_s),
            // `after_s` is the touch-down; the descent ([`SLS_DESCENT_S`]) starts before it.
            SlsOutcome::TouchDown { after_s } => (
                TrialEnd::TouchDown,
                lift_off + after_s.clamp(0.7 + SLS_DESCENT_S, p.time_limit_s) - SLS_DESCENT_S,
            ),
            SlsOutcome::Hop { after_s } => {
                (TrialEnd::Hop, lift_off + after_s.clamp(0.7, p.time_limit_s))
            }
        };
        let phase = self.rng.gen::<f64>() * std::f64::consts::TAU;
        self.k.sways.push(Sway {
            t0: lift_off,
            t1: fail,
            ml_m: p.sway_ml_mm * 1e-3,
            ap_m: p.sway_ap_mm * 1e-3,
            hz: p.sway_hz,
            phase,
        });
        let (td, settle) = match end {
            TrialEnd::Hop => {
                // Loss of balance: the stance leg hops sideways, the free foot comes down fast.
                let tf = fail;
                let g = self.leg(st);
                g.foot.deg(tf, 0.0, 0.0);
                g.shank.deg(tf, 0.0, 0.0);
                g.thigh.deg(tf, 0.0, 0.0);
                g.foot.deg(tf + 0.12, 20.0, 0.0);
                g.shank.deg(tf + 0.12, 15.0, 0.0);
                g.thigh.deg(tf + 0.12, -15.0, 0.0);
                g.lift_z.hold(tf + 0.05, 0.0);
                g.lift_z.hold(tf + 0.16, 0.04);
                g.lift_z.hold(tf + 0.28, 0.0);
                g.foot.deg(tf + 0.28, 0.0, 0.0);
                g.shank.deg(tf + 0.3, 5.0, 0.0);
                g.thigh.deg(tf + 0.3, -5.0, 0.0);
                g.shank.deg(tf + 0.8, 0.0, 0.0);
                g.thigh.deg(tf + 0.8, 0.0, 0.0);
                self.lift(st, tf + 0.05, true);
                let heel_st = self.open_heel(st);
                let dir = -lat(st);
                let o = math::mul_v(&math::rot_z(self.psi), [0.0, dir * 0.1, 0.0]);
                let psi = self.psi;
                self.place(
                    st,
                    tf + 0.28,
                    [heel_st[0] + o[0], heel_st[1] + o[1]],
                    psi,
                    true,
                );
                let k = &mut self.k;
                k.ml.hold(tf, shift);
                k.roll.hold(tf, lean);
                k.ml.hold(tf + 0.4, -lat(st) * 0.03);
                k.roll.hold(tf + 0.25, lat(st) * rad(8.0));
                k.vert.hold(tf, 0.0);
                k.vert.hold(tf + 0.15, 0.03);
                k.vert.hold(tf + 0.32, -0.025);
                k.vert.hold(tf + 0.6, 0.0);
                let td = tf + 0.35;
                self.lower_leg(free, tf, td, heel_free);
                (td, tf + 1.5)
            }
            _ => {
                let td = fail + SLS_DESCENT_S;
                self.lower_leg(free, fail, td, heel_free);
                self.k.ml.hold(fail, shift);
                self.k.roll.hold(fail, lean);
                (td, td + 1.0)
            }
        };
        // The clinical stopwatch stops when the lifted foot touches the floor, or when the
        // stance foot moves (Springer et al. 2007; research/clinical.md §3.1).
        let held = match end {
            TrialEnd::TimeLimit => p.time_limit_s,
            TrialEnd::TouchDown => (td - lift_off).min(p.time_limit_s),
            TrialEnd::Hop => fail - lift_off,
        };
        let tr = BalanceTrialTruth {
            stance: st,
            lift_off_s: lift_off,
            touch_down_s: td,
            balance_end_s: fail,
            held_s: held,
            end,
        };
        self.truth.balance_trials.push(tr);
        self.t = settle;
        self.neutral(settle);
        self.stand(1.0, 0.002, 0.003);
        tr
    }

    /// Step one foot to a new heel position: FC at `t`, IC at `t + dur`.
    fn step_foot(&mut self, side: Side, t: f64, dur: f64, heel: [f64; 2], record: bool) {
        let psi = self.psi;
        let g = self.leg(side);
        for c in [&mut g.foot, &mut g.shank, &mut g.thigh] {
            c.deg(t - 0.15, 0.0, 0.0);
        }
        g.foot.deg(t, 15.0, 60.0);
        g.shank.deg(t, 12.0, 40.0);
        g.thigh.deg(t + 0.5 * dur, -15.0, 0.0);
        g.shank.deg(t + 0.5 * dur, 5.0, -80.0);
        g.foot.deg(t + 0.5 * dur, 0.0, -60.0);
        g.foot.deg(t + dur, -5.0, 20.0);
        g.shank.deg(t + dur, -3.0, 10.0);
        g.thigh.deg(t + dur, -5.0, 20.0);
        for c in [&mut g.foot, &mut g.shank, &mut g.thigh] {
            c.deg(t + dur + 0.25, 0.0, 0.0);
        }
        g.lift_z.hold(t, 0.0);
        g.lift_z.hold(t + 0.5 * dur, 0.05);
        g.lift_z.hold(t + dur, 0.0);
        self.lift(side, t, record);
        self.place(side, t + dur, heel, psi, record);
    }

    /// CDC STEADI 4-stage balance test.
    fn four_stage(&mut self, p: &FourStageParams) {
        let m = p.moving_foot;
        let o = m.opposite();
        let psi = self.psi;
        let o_heel = self.open_heel(o);
        let at = |fwd: f64, lat_m: f64| {
            let d = math::mul_v(&math::rot_z(psi), [fwd, lat(m) * lat_m, 0.0]);
            [o_heel[0] + d[0], o_heel[1] + d[1]]
        };
        self.neutral(self.t);
        for (i, stage) in BalanceStage::ALL.into_iter().enumerate() {
            let t0 = self.t;
            let fail = p
                .fail
                .filter(|f| f.0 == stage)
                .map(|f| f.1.clamp(0.5, p.stage_s));
            if stage == BalanceStage::SingleLeg {
                let sls = SlsParams {
                    stance: o,
                    time_limit_s: p.stage_s,
                    sway_ml_mm: p.sway_ml_mm[3],
                    sway_ap_mm: 0.7 * p.sway_ml_mm[3],
                    sway_hz: 0.8,
                    outcome: match fail {
                        // The stage fails when the foot starts to move (STEADI: "moves the
                        // feet"), `SLS_DESCENT_S` before its touch-down.
                        Some(f) => SlsOutcome::TouchDown {
                            after_s: f + SLS_DESCENT_S,
                        },
                        None => SlsOutcome::TimeLimit,
                    },
                };
                // Back to a normal stance first.
                self.step_foot(m, t0 + 0.3, 0.7, at(0.0, 0.2), false);
                self.t = t0 + 1.5;
                let tr = self.sls(&sls);
                self.truth.stages.push(StageTruth {
                    stage,
                    start_s: tr.lift_off_s,
                    end_s: tr.balance_end_s,
                    passed: tr.end == TrialEnd::TimeLimit,
                });
                return;
            }
            let (fwd, lw) = match stage {
                BalanceStage::FeetTogether => (0.0, 0.1),
                BalanceStage::SemiTandem => (0.13, 0.07),
                _ => (0.26, 0.0),
            };
            // Weight onto the other foot while the moving foot is placed.
            self.k.ml.hold(t0, 0.0);
            self.k.ml.hold(t0 + 0.3, -lat(m) * 0.04);
            self.step_foot(m, t0 + 0.35, 0.7, at(fwd, lw), false);
            self.k.ml.hold(t0 + 1.3, 0.0);
            self.k.ap.hold(t0 + 1.3, 0.5 * fwd);
            let start = t0 + 1.5;
            let hold = fail.unwrap_or(p.stage_s);
            let phase = self.rng.gen::<f64>() * std::f64::consts::TAU;
            self.k.sways.push(Sway {
                t0: start - 0.2,
                t1: start + hold,
                ml_m: p.sway_ml_mm[i] * 1e-3,
                ap_m: 0.7 * p.sway_ml_mm[i] * 1e-3,
                hz: 0.5,
                phase,
            });
            self.truth.stages.push(StageTruth {
                stage,
                start_s: start,
                end_s: start + hold,
                passed: fail.is_none(),
            });
            let te = start + hold;
            self.k.ap.hold(te, 0.5 * fwd);
            if fail.is_some() {
                // Step out sideways to catch balance, then back to normal stance.
                self.k.ml.hold(te, 0.0);
                self.k.ml.hold(te + 0.3, lat(m) * 0.06);
                self.k.roll.hold(te, 0.0);
                self.k.roll.hold(te + 0.2, -lat(m) * rad(6.0));
                self.k.roll.hold(te + 0.6, 0.0);
                self.step_foot(m, te, 0.35, at(0.05, 0.35), true);
                self.k.ml.hold(te + 1.2, 0.0);
                self.k.ap.hold(te + 1.2, 0.0);
                self.step_foot(m, te + 1.3, 0.7, at(0.0, 0.2), false);
                self.t = te + 2.5;
                self.neutral(self.t);
                return;
            }
            self.t = te;
        }
    }

    /// Sit-to-stand (`up = true`) or stand-to-sit movement of duration `d` starting at `t`;
    /// `frac` < 1 gives a partial (failed) rise that ends seated.
    fn chair_move(&mut self, t: f64, d: f64, up: bool, frac: f64) {
        let k = &mut self.k;
        let (hs, hu) = (BACK_HEIGHT_SIT_M, BACK_HEIGHT_STAND_M);
        let seat_ap = -0.3;
        if up {
            k.height.hold(t, hs);
            k.ap.hold(t, seat_ap);
            k.pitch.hold(t, 0.0);
            k.pitch.hold(t + 0.4 * d, rad(35.0));
            k.height.hold(t + 0.35 * d, hs);
            let top = hs + frac * (hu - hs);
            k.height.hold(t + d, top);
            k.ap.at(t + 0.45 * d, seat_ap + 0.6 * frac * -seat_ap, 0.0);
            k.ap.hold(t + d, seat_ap * (1.0 - frac));
            k.pitch.hold(t + d, rad(35.0) * (1.0 - frac));
        } else {
            k.height.hold(t, hu);
            k.ap.hold(t, 0.0);
            k.pitch.hold(t, 0.0);
            k.pitch.hold(t + 0.55 * d, rad(25.0));
            k.height.hold(t + 0.8 * d, hs + 0.02);
            k.height.hold(t + d, hs);
            k.ap.hold(t + 0.7 * d, seat_ap * 0.8);
            k.ap.hold(t + d, seat_ap);
            k.pitch.hold(t + d, 0.0);
        }
        for s in Side::BOTH {
            let g = &mut k.legs[side_index(s)];
            let (th_sit, sh_sit) = (-85.0, 5.0);
            if up {
                g.thigh.deg(t, th_sit, 0.0);
                g.shank.deg(t, sh_sit, 0.0);
                g.thigh.deg(t + 0.35 * d, th_sit, 0.0);
                g.shank.deg(t + 0.45 * d, 15.0, 0.0);
                g.thigh.deg(t + d, th_sit * (1.0 - frac), 0.0);
                g.shank.deg(t + d, sh_sit * (1.0 - frac), 0.0);
            } else {
                g.thigh.deg(t, 0.0, 0.0);
                g.shank.deg(t, 0.0, 0.0);
                g.shank.deg(t + 0.55 * d, 15.0, 0.0);
                g.thigh.deg(t + d, th_sit, 0.0);
                g.shank.deg(t + d, sh_sit, 0.0);
            }
        }
    }

    /// Sit down from standing and rest; returns the time seated.
    fn sit_down(&mut self, d: f64) -> f64 {
        let t = self.t;
        self.neutral(t);
        self.chair_move(t, d, false, 1.0);
        self.t = t + d;
        self.t
    }

    /// Stand up from sitting and settle into neutral standing.
    fn stand_up(&mut self, d: f64) {
        let t = self.t;
        self.chair_move(t, d, true, 1.0);
        self.t = t + d;
        self.neutral(self.t);
    }

    /// 30 s chair stand test.
    fn chair_stand(&mut self, p: &ChairStandParams) {
        self.sit_down(1.5);
        self.t += 1.5;
        let go = self.t;
        let end = go + p.duration_s;
        let rep = p.rep_s.max(1.2);
        let (rise, pause_up, sit, pause_down) = (0.38 * rep, 0.1 * rep, 0.42 * rep, 0.1 * rep);
        let mut reps = Vec::new();
        let mut i = 0u32;
        let mut failed_done = false;
        while self.t < end {
            let t = self.t;
            if p.failed_rise_before == Some(i) && !failed_done {
                failed_done = true;
                let d = 0.6 * rep;
                self.chair_move(t, 0.5 * d, true, 0.3);
                self.chair_move_down_partial(t + 0.5 * d, 0.5 * d);
                reps.push(ChairRepTruth {
                    rise_start_s: t,
                    standing_s: t + d,
                    seated_s: t + d,
                    counted: false,
                });
                self.t = t + d + pause_down;
                continue;
            }
            self.chair_move(t, rise, true, 1.0);
            let standing = t + rise;
            self.neutral_legs_hold(standing);
            self.chair_move(standing + pause_up, sit, false, 1.0);
            let seated = standing + pause_up + sit;
            reps.push(ChairRepTruth {
                rise_start_s: t,
                standing_s: standing,
                seated_s: seated,
                counted: standing <= end,
            });
            self.t = seated + pause_down;
            i += 1;
        }
        let completed = reps.iter().filter(|r| r.counted).count() as u32;
        self.truth.chair_stands.push(ChairStandTruth {
            start_s: go,
            end_s: end,
            completed,
            reps,
        });
        self.t += 1.0;
        self.stand_up(1.2);
        self.stand(1.0, 0.002, 0.003);
    }

    /// Return from a partial rise to the seat.
    fn chair_move_down_partial(&mut self, t: f64, d: f64) {
        let k = &mut self.k;
        k.height.hold(t + d, BACK_HEIGHT_SIT_M);
        k.ap.hold(t + d, -0.3);
        k.pitch.hold(t + d, 0.0);
        for s in Side::BOTH {
            let g = &mut k.legs[side_index(s)];
            g.thigh.deg(t + d, -85.0, 0.0);
            g.shank.deg(t + d, 5.0, 0.0);
        }
    }

    fn neutral_legs_hold(&mut self, t: f64) {
        for s in Side::BOTH {
            let g = self.leg(s);
            g.thigh.deg(t, 0.0, 0.0);
            g.shank.deg(t, 0.0, 0.0);
        }
    }

    /// Timed Up and Go.
    fn tug(&mut self, p: &TugParams) {
        self.sit_down(1.5);
        self.t += 1.5;
        let go = self.t;
        self.stand_up(1.2);
        let stand_end = self.t;
        let v = p.walk.speed_mps().max(0.2);
        let straight = ((p.distance_m - 0.6) / v).max(0.5);
        let route = [
            RoutePiece::Straight {
                duration_s: straight,
            },
            RoutePiece::Turn {
                angle_deg: 180.0,
                duration_s: p.turn_s,
                speed_factor: 0.25,
            },
            RoutePiece::Straight {
                duration_s: straight,
            },
            RoutePiece::Turn {
                angle_deg: 180.0,
                duration_s: p.turn_s,
                speed_factor: 0.2,
            },
        ];
        let w = self.walk(&p.walk, &route, 0.15);
        let sit_start = self.t.max(w.last_ic);
        let seated = self.sit_down(1.5);
        self.truth.tugs.push(TugTruth {
            start_s: go,
            stand_end_s: stand_end,
            turn1_start_s: w.piece_bounds[1].0,
            turn1_end_s: w.piece_bounds[1].1,
            turn2_start_s: w.piece_bounds[3].0,
            sit_start_s: sit_start,
            end_s: seated,
        });
        self.t += 1.0;
        self.stand_up(1.2);
        self.stand(1.0, 0.002, 0.003);
    }
}
