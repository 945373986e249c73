//! Turns a time-ordered stream of lower-back steps into walking bouts, sided events and
//! strides (streaming, deterministic, fixed look-ahead of two steps).
//!
//! Rules (Mobilise-D style, Micó-Amigo et al. 2023 / mobgap wba):
//! - a bout is a chain of steps with no step longer than [`MAX_STEP_S`] (the 0.5 Hz lower
//!   end of the step-frequency range); chains with fewer than [`MIN_BOUT_STEPS`] steps are
//!   not walking (a few isolated trunk bumps, e.g. sitting down);
//! - the side of each IC is the sign of its own side score when that is clear, else the
//!   alternation-corrected sum of the scores of it and two neighbours on each side;
//! - a stride (IC_k → IC_k+2, same foot) is kept when the feet alternate and its duration
//!   lies within the Mobilise-D global limits [`STRIDE_MIN_S`]–[`STRIDE_MAX_S`].

use super::types::{Bout, EventKind, GaitEvent, Stride};
use crate::lowback::StepCandidate;
use steady_core::Side;

/// Longest step inside a bout (s): 1 / 0.5 Hz.
pub const MAX_STEP_S: f64 = 2.0;
/// Fewest steps (IC intervals) for a walking bout: 4, i.e. two strides per foot.
pub const MIN_BOUT_STEPS: usize = 4;
/// Shortest stride kept (s), Mobilise-D global plausibility limit.
pub const STRIDE_MIN_S: f64 = 0.46;
/// Longest stride kept (s), Mobilise-D global plausibility limit.
pub const STRIDE_MAX_S: f64 = 3.0;
/// A side score below this fraction of its neighbours' median magnitude is "weak" and
/// decided by the alternation of the neighbours instead.
pub const WEAK_SIDE_FRACTION: f64 = 0.25;
/// Default leg length (m) when neither sensor height nor body height is known:
/// 0.53 × 1.70 m, a typical adult height (leg length ≈ 0.53 × height, Winter 2009).
pub const DEFAULT_LEG_LENGTH_M: f64 = 0.53 * 1.70;

/// What the assembler produces, in time order of finalisation.
#[derive(Debug, Clone, PartialEq)]
pub enum Assembled {
    /// A sided IC or FC.
    Event(GaitEvent),
    /// A stride with its lower-back extras.
    Stride(Stride, StrideExtras),
    /// A step (IC to next IC) with its side and length.
    Step(StepRecord),
    /// A finished bout.
    Bout(Bout),
}

/// Lower-back measures that belong to one stride but are not part of the [`Stride`] schema.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StrideExtras {
    /// The foot of the stride these measures belong to.
    pub side: Option<Side>,
    /// Frontal-plane pelvic tilt excursion during this foot's single support (deg).
    pub pelvic_drop_deg: Option<f64>,
    /// Vertical harmonic ratio of the stride.
    pub harmonic_ratio_v: Option<f64>,
    /// Step regularity at the start of the stride.
    pub step_regularity: Option<f64>,
    /// Stride regularity.
    pub stride_regularity: Option<f64>,
}

/// One step: from an IC to the next IC (of the other foot).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRecord {
    /// Side of the IC that *ends* the step (the step "of" that foot).
    pub side: Option<Side>,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// Inverted-pendulum step length (m).
    pub length_m: Option<f64>,
}

/// Streaming assembler.
#[derive(Debug, Clone)]
pub struct Assembler {
    leg_length_m: f64,
    /// The open chain's not yet dropped steps (the last [`KEEP_FINAL`] final ones + pending).
    chain: Vec<StepCandidate>,
    sides: Vec<Option<Side>>,
    finalized: usize,
    /// Steps of the open chain already dropped from `chain` (memory stays bounded).
    drained: usize,
    first_t_s: f64,
    length_sum_m: f64,
    length_n: usize,
}

/// Final steps kept as context for the side vote and the strides (two back are needed).
const KEEP_FINAL: usize = 4;

impl Assembler {
    /// An assembler using `leg_length_m` for the inverted-pendulum step length.
    pub fn new(leg_length_m: f64) -> Assembler {
        Assembler {
            leg_length_m,
            chain: Vec::new(),
            sides: Vec::new(),
            finalized: 0,
            drained: 0,
            first_t_s: 0.0,
            length_sum_m: 0.0,
            length_n: 0,
        }
    }

    /// Bytes held for the open chain (bounded: pending steps plus four final ones).
    pub fn held_bytes(&self) -> usize {
        self.chain.len() * std::mem::size_of::<StepCandidate>()
            + self.sides.len() * std::mem::size_of::<Option<Side>>()
    }

    /// Adds the next step; returns what became final.
    pub fn push(&mut self, c: StepCandidate) -> Vec<Assembled> {
        let mut out = Vec::new();
        if let Some(last) = self.chain.last() {
            if c.t_s - last.t_s > MAX_STEP_S {
                self.close(&mut out);
            }
        }
        if self.chain.is_empty() {
            self.first_t_s = c.t_s;
        }
        self.chain.push(c);
        if self.drained + self.chain.len() > MIN_BOUT_STEPS {
            // Two steps of look-ahead for the side vote.
            let upto = self.chain.len() - 2;
            self.finalize_upto(upto, &mut out);
            if self.finalized > KEEP_FINAL {
                let d = self.finalized - KEEP_FINAL;
                self.chain.drain(..d);
                self.sides.drain(..d);
                self.finalized -= d;
                self.drained += d;
            }
        }
        out
    }

    /// Closes the open chain (end of data).
    pub fn finish(&mut self) -> Vec<Assembled> {
        let mut out = Vec::new();
        self.close(&mut out);
        out
    }

    fn close(&mut self, out: &mut Vec<Assembled>) {
        if self.drained + self.chain.len() > MIN_BOUT_STEPS {
            self.finalize_upto(self.chain.len(), out);
            let first = self.first_t_s;
            let last = self.chain[self.chain.len() - 1].t_s;
            let n_steps = self.drained + self.chain.len() - 1;
            let cadence = 60.0 * n_steps as f64 / (last - first);
            let stride_length =
                (self.length_n > 0).then(|| 2.0 * self.length_sum_m / self.length_n as f64);
            out.push(Assembled::Bout(Bout {
                start_s: first,
                end_s: last,
                cadence_spm: Some(cadence),
                speed_mps: stride_length.map(|l| l * cadence / 120.0),
                stride_length_m: stride_length,
            }));
        }
        self.chain.clear();
        self.sides.clear();
        self.finalized = 0;
        self.drained = 0;
        self.length_sum_m = 0.0;
        self.length_n = 0;
    }

    fn side_of(&self, k: usize) -> Option<Side> {
        let n = self.chain.len();
        let lo = k.saturating_sub(2);
        let hi = (k + 2).min(n - 1);
        let mags: Vec<f64> = (lo..=hi).map(|j| self.chain[j].side_score.abs()).collect();
        let typical = crate::dsp::median(&mags).unwrap_or(0.0);
        let own = self.chain[k].side_score;
        // A clear sway direction decides on its own (missed or extra steps would break a
        // parity vote); only a weak one is settled by the alternating neighbours.
        if own.abs() >= WEAK_SIDE_FRACTION * typical && own != 0.0 {
            return Some(if own > 0.0 { Side::Left } else { Side::Right });
        }
        let mut vote = 0.0;
        for j in lo..=hi {
            let parity = if (j + k).is_multiple_of(2) { 1.0 } else { -1.0 };
            vote += parity * self.chain[j].side_score;
        }
        if vote > 0.0 {
            Some(Side::Left)
        } else if vote < 0.0 {
            Some(Side::Right)
        } else {
            None
        }
    }

    fn step_length(&self, k: usize) -> Option<f64> {
        let h = self.chain.get(k)?.vertical_excursion_m?;
        inverted_pendulum_step_length(h, self.leg_length_m)
    }

    fn finalize_upto(&mut self, upto: usize, out: &mut Vec<Assembled>) {
        while self.finalized < upto {
            let k = self.finalized;
            let side = self.side_of(k);
            self.sides.push(side);
            let c = self.chain[k];
            out.push(Assembled::Event(GaitEvent {
                kind: EventKind::InitialContact,
                side,
                t_s: c.t_s,
            }));
            if let Some(fc) = c.fc_t_s {
                // The toe-off after an IC is the other foot's.
                out.push(Assembled::Event(GaitEvent {
                    kind: EventKind::FinalContact,
                    side: side.map(Side::opposite),
                    t_s: fc,
                }));
            }
            if k >= 1 {
                let length_m = self.step_length(k - 1);
                if let Some(l) = length_m {
                    self.length_sum_m += l;
                    self.length_n += 1;
                }
                out.push(Assembled::Step(StepRecord {
                    side,
                    start_s: self.chain[k - 1].t_s,
                    end_s: c.t_s,
                    length_m,
                }));
            }
            if k >= 2 {
                if let Some(s) = self.stride(k - 2) {
                    out.push(Assembled::Stride(s.0, s.1));
                }
            }
            self.finalized += 1;
        }
    }

    fn stride(&self, k: usize) -> Option<(Stride, StrideExtras)> {
        let (a, b, c) = (self.chain[k], self.chain[k + 1], self.chain[k + 2]);
        let side = self.sides[k];
        if side.is_none() || self.sides[k + 1] == side || self.sides[k + 2] != side {
            return None;
        }
        let duration = c.t_s - a.t_s;
        if !(STRIDE_MIN_S..=STRIDE_MAX_S).contains(&duration) {
            return None;
        }
        // This foot's toe-off follows the other foot's IC (b); the other foot's toe-off
        // follows this IC (a).
        let fc_this = b.fc_t_s.filter(|&f| f > b.t_s && f < c.t_s);
        let fc_other = a.fc_t_s.filter(|&f| f > a.t_s && f < b.t_s);
        let stance = fc_this.map(|f| f - a.t_s);
        let swing = fc_this.map(|f| c.t_s - f);
        let single = match (fc_this, fc_other) {
            (Some(ft), Some(fo)) => Some((c.t_s - ft) + (b.t_s - fo)),
            _ => None,
        };
        let length = match (self.step_length(k), self.step_length(k + 1)) {
            (Some(x), Some(y)) => Some(x + y),
            _ => None,
        };
        Some((
            Stride {
                side,
                start_s: a.t_s,
                end_s: c.t_s,
                stance_s: stance,
                swing_s: swing,
                single_support_s: single,
                double_support_s: single.map(|s| duration - s),
                length_m: length,
            },
            StrideExtras {
                side,
                pelvic_drop_deg: a.pelvic_tilt_deg,
                harmonic_ratio_v: a.harmonic_ratio_v,
                step_regularity: a.step_regularity,
                stride_regularity: a.stride_regularity,
            },
        ))
    }
}

/// Walking bouts from sided ICs of any source (e.g. foot sensors): chains of ICs with no
/// step longer than [`MAX_STEP_S`] and at least [`MIN_BOUT_STEPS`] steps; stride length and
/// speed from the strides inside.
pub fn bouts_from_events(events: &[GaitEvent], strides: &[Stride]) -> Vec<Bout> {
    let mut ics: Vec<f64> = events
        .iter()
        .filter(|e| e.kind == EventKind::InitialContact)
        .map(|e| e.t_s)
        .collect();
    ics.sort_by(f64::total_cmp);
    let mut bouts = Vec::new();
    let mut start = 0;
    for i in 1..=ics.len() {
        if i == ics.len() || ics[i] - ics[i - 1] > MAX_STEP_S {
            let chain = &ics[start..i];
            if chain.len() > MIN_BOUT_STEPS {
                let (a, b) = (chain[0], chain[chain.len() - 1]);
                let cadence = 60.0 * (chain.len() - 1) as f64 / (b - a);
                let lengths: Vec<f64> = strides
                    .iter()
                    .filter(|s| s.start_s >= a && s.end_s <= b)
                    .filter_map(|s| s.length_m)
                    .collect();
                let len = (!lengths.is_empty())
                    .then(|| lengths.iter().sum::<f64>() / lengths.len() as f64);
                bouts.push(Bout {
                    start_s: a,
                    end_s: b,
                    cadence_spm: Some(cadence),
                    speed_mps: len.map(|l| l * cadence / 120.0),
                    stride_length_m: len,
                });
            }
            start = i;
        }
    }
    bouts
}

/// Zijlstra & Hof 2003 inverted pendulum: step length `2·sqrt(2·l·h − h²)` for a vertical
/// trunk excursion `h` and pendulum (leg) length `l`; `None` when `h` is implausible.
pub fn inverted_pendulum_step_length(h_m: f64, leg_length_m: f64) -> Option<f64> {
    let x = 2.0 * leg_length_m * h_m - h_m * h_m;
    (h_m > 0.0 && h_m < leg_length_m && x > 0.0).then(|| 2.0 * x.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(i: usize, t: f64, left: bool) -> StepCandidate {
        StepCandidate {
            index: i as u64,
            t_s: t,
            side_score: if left { 0.1 } else { -0.1 },
            fc_t_s: Some(t + 0.1),
            vertical_excursion_m: Some(0.03),
            pelvic_tilt_deg: None,
            harmonic_ratio_v: None,
            step_regularity: None,
            stride_regularity: None,
            amplitude_mps2: 1.0,
        }
    }

    #[test]
    fn alternating_steps_make_a_bout_with_sided_strides_and_outvote_a_bad_side() {
        let mut a = Assembler::new(0.9);
        let mut out = Vec::new();
        for i in 0..10 {
            // Step 4 has a weak, wrong side score; the neighbours' vote must fix it.
            let mut c = step(i, i as f64 * 0.5, i % 2 == 0);
            if i == 4 {
                c.side_score = -0.01;
            }
            out.extend(a.push(c));
        }
        out.extend(a.finish());
        let ics: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                Assembled::Event(e) if e.kind == EventKind::InitialContact => Some(e.side),
                _ => None,
            })
            .collect();
        assert_eq!(ics.len(), 10);
        for (i, s) in ics.iter().enumerate() {
            let want = if i % 2 == 0 { Side::Left } else { Side::Right };
            assert_eq!(*s, Some(want), "IC {i}");
        }
        let strides: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                Assembled::Stride(s, _) => Some(*s),
                _ => None,
            })
            .collect();
        assert_eq!(strides.len(), 8);
        let s = strides[1];
        // stance = FC after next IC − IC = 0.5 + 0.1; swing = 1.0 − 0.6.
        assert!((s.stance_s.unwrap() - 0.6).abs() < 1e-9);
        assert!((s.swing_s.unwrap() - 0.4).abs() < 1e-9);
        assert!((s.single_support_s.unwrap() - 0.8).abs() < 1e-9);
        let bouts: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                Assembled::Bout(b) => Some(*b),
                _ => None,
            })
            .collect();
        assert_eq!(bouts.len(), 1);
        assert!((bouts[0].cadence_spm.unwrap() - 120.0).abs() < 1e-9);
    }

    #[test]
    fn short_chains_are_not_walking() {
        let mut a = Assembler::new(0.9);
        let mut n = 0;
        for i in 0..4 {
            n += a.push(step(i, i as f64 * 0.5, i % 2 == 0)).len();
        }
        n += a.push(step(9, 10.0, true)).len();
        n += a.finish().len();
        assert_eq!(n, 0);
    }

    #[test]
    fn pendulum_step_length_matches_hand_computation() {
        // l = 0.9, h = 0.03: 2·sqrt(0.054 − 0.0009) = 0.4608…
        let sl = inverted_pendulum_step_length(0.03, 0.9).unwrap();
        assert!((sl - 2.0 * (0.0531f64).sqrt()).abs() < 1e-12);
        assert!(inverted_pendulum_step_length(-0.01, 0.9).is_none());
    }
}
