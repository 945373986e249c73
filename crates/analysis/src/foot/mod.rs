//! Foot-mounted gait (one IMU per shoe): per-foot IC, FC, strides, stance/swing and
//! zero-velocity-update (ZUPT) stride length.
//!
//! Method (implemented from the papers, no code ported):
//! - sagittal axis = dominant principal axis of the angular rate (foot rotation in walking
//!   is almost planar, Mariani et al. 2010); its sign is chosen so that the mid-swing lobe
//!   (the largest sustained rotation once low-passed at [`SWING_LP_HZ`]) is positive, so
//!   mirror-mounted or rotated sensors need no axis convention;
//! - strides are segmented at the mid-swing peaks (Rampp et al. 2015 segment at the
//!   swing-phase gyro features); FC (toe-off) = the deepest negative sagittal rate before
//!   the mid-swing peak (push-off), IC (heel strike) = the first zero crossing of the
//!   sagittal rate after mid-swing (the forward swing rotation is arrested at heel contact;
//!   Salarian et al. 2004, Aminian et al. 2002);
//! - ZUPT: mid-stance = the lowest angular-rate norm between IC and the next FC; between
//!   two mid-stances attitude is integrated from the gyro (start tilt from gravity), gravity
//!   removed, velocity de-drifted linearly to zero at both ends, position integrated; the
//!   horizontal displacement is the stride length (Peruzzi 2011, Rampp 2015).
//!
//! Streaming: [`FootDetector`] buffers samples and finalises at `finish` (latency: end of
//! data); the output is therefore identical for any chunking.

use crate::dsp::{FilterKind, Sos};
use crate::gait::types::{EventKind, GaitEvent, Stride};
use crate::gait::{SideDetector, SideOutput};
use nalgebra::{Matrix3, UnitQuaternion, Vector3};
use steady_core::{ImuSample, Side};

/// Low-pass cut-off for finding the swing lobe (Hz): above the ≤ 2 Hz stride fundamental
/// with margin, below the heel-strike transients.
pub const SWING_LP_HZ: f64 = 3.0;
/// Low-pass cut-off of the event signal (Hz): keeps the toe-off and heel-strike features
/// (foot rotation content is below ~15 Hz, Winter 2009).
pub const EVENT_LP_HZ: f64 = 15.0;
/// Smallest mid-swing angular rate counted as a stride (deg/s): slow pathological gait
/// still swings the foot at > 100 deg/s (Salarian 2004 used 50 deg/s on the shank).
pub const MIN_SWING_DPS: f64 = 60.0;
/// Shortest time between two mid-swing peaks of one foot (s): the shortest stride
/// (Mobilise-D plausibility limit 0.46 s).
pub const MIN_STRIDE_S: f64 = 0.46;
/// Longest time from toe-off to mid-swing and from mid-swing to heel strike (s): swing
/// lasts ≤ 0.6 s even in slow gait.
pub const HALF_SWING_MAX_S: f64 = 0.4;

/// Foot detector for one shoe sensor.
#[derive(Debug, Clone)]
pub struct FootDetector {
    side: Side,
    fs_hz: f64,
    samples: Vec<ImuSample>,
}

impl FootDetector {
    /// A detector for the `side` foot sampled at `fs_hz`.
    pub fn new(side: Side, fs_hz: f64) -> FootDetector {
        FootDetector {
            side,
            fs_hz,
            samples: Vec::new(),
        }
    }

    /// Bytes held for buffered samples.
    pub fn buffered_bytes(&self) -> usize {
        self.samples.capacity() * std::mem::size_of::<ImuSample>()
    }
}

/// Dominant principal axis of the (mean-removed) angular rate, by power iteration.
pub fn dominant_axis(gyr: &[[f64; 3]]) -> Vector3<f64> {
    let n = gyr.len().max(1) as f64;
    let mean = gyr
        .iter()
        .fold(Vector3::zeros(), |a, g| a + Vector3::from(*g))
        / n;
    let mut c = Matrix3::zeros();
    for g in gyr {
        let d = Vector3::from(*g) - mean;
        c += d * d.transpose();
    }
    let mut v = Vector3::new(1.0, 1.0, 1.0).normalize();
    for _ in 0..100 {
        match (c * v).try_normalize(1e-12) {
            Some(w) => v = w,
            None => break,
        }
    }
    v
}

/// Per-foot events and strides from a whole signal.
pub fn detect(side: Side, fs_hz: f64, samples: &[ImuSample]) -> Vec<SideOutput> {
    let n = samples.len();
    if n < (2.0 * fs_hz) as usize || fs_hz <= 2.0 * EVENT_LP_HZ {
        return Vec::new();
    }
    let gyr: Vec<[f64; 3]> = samples.iter().map(|s| s.gyr_dps).collect();
    let axis = dominant_axis(&gyr);
    let raw: Vec<f64> = gyr.iter().map(|g| Vector3::from(*g).dot(&axis)).collect();
    let (Ok(lp_swing), Ok(lp_event)) = (
        Sos::butterworth(2, FilterKind::LowPass(SWING_LP_HZ), fs_hz),
        Sos::butterworth(2, FilterKind::LowPass(EVENT_LP_HZ), fs_hz),
    ) else {
        return Vec::new();
    };
    let pad = (fs_hz as usize).min(n - 1);
    let mut slow = lp_swing.filtfilt(&raw, pad);
    let mut g = lp_event.filtfilt(&raw, pad);
    let skew: f64 = slow.iter().map(|x| x * x * x).sum();
    if skew < 0.0 {
        slow.iter_mut().for_each(|x| *x = -*x);
        g.iter_mut().for_each(|x| *x = -*x);
    }
    let min_dist = (MIN_STRIDE_S * fs_hz) as usize;
    let wlen = (2.0 * fs_hz) as usize;
    let peaks: Vec<usize> = crate::dsp::find_peaks(&slow, MIN_SWING_DPS, wlen, min_dist)
        .into_iter()
        .filter(|&i| slow[i] >= MIN_SWING_DPS)
        .collect();
    let half = (HALF_SWING_MAX_S * fs_hz) as usize;
    // (fc, ic) sample indices per swing.
    let mut swings: Vec<(usize, usize)> = Vec::new();
    for &m in &peaks {
        let lo = m.saturating_sub(half);
        let prev_ic = swings.last().map_or(0, |s| s.1);
        let lo = lo.max(prev_ic + 1);
        if lo >= m {
            continue;
        }
        let fc = (lo..m)
            .min_by(|&a, &b| g[a].total_cmp(&g[b]).then(a.cmp(&b)))
            .unwrap_or(lo);
        if g[fc] >= 0.0 {
            continue;
        }
        let hi = (m + half).min(n - 1);
        let Some(ic) = (m..hi).find(|&i| g[i] > 0.0 && g[i + 1] <= 0.0) else {
            continue;
        };
        swings.push((fc, ic + 1));
    }
    let t = |i: usize| i as f64 / fs_hz;
    let mut out = Vec::new();
    for &(fc, ic) in &swings {
        out.push(SideOutput::Event(GaitEvent {
            kind: EventKind::FinalContact,
            side: Some(side),
            t_s: t(fc),
        }));
        out.push(SideOutput::Event(GaitEvent {
            kind: EventKind::InitialContact,
            side: Some(side),
            t_s: t(ic),
        }));
    }
    let gnorm: Vec<f64> = gyr.iter().map(|g| Vector3::from(*g).norm()).collect();
    // Mid-stance (zero velocity) between an IC and the next FC.
    let mid_stance = |a: usize, b: usize| -> Option<usize> {
        let w = ((0.05 * fs_hz) as usize).max(1);
        if b <= a + 2 * w {
            return None;
        }
        (a + w..b - w).min_by(|&x, &y| {
            let sx: f64 = gnorm[x - w..=x + w].iter().sum();
            let sy: f64 = gnorm[y - w..=y + w].iter().sum();
            sx.total_cmp(&sy).then(x.cmp(&y))
        })
    };
    for k in 1..swings.len() {
        let (_, ic0) = swings[k - 1];
        let (fc1, ic1) = swings[k];
        let dur = t(ic1) - t(ic0);
        if !(crate::gait::assemble::STRIDE_MIN_S..=crate::gait::assemble::STRIDE_MAX_S)
            .contains(&dur)
        {
            continue;
        }
        let length_m = mid_stance(ic0, fc1).and_then(|a| {
            let next_fc = swings.get(k + 1).map_or(n - 1, |s| s.0);
            let b = mid_stance(ic1, next_fc)?;
            zupt_length_m(&samples[a..=b], fs_hz)
        });
        out.push(SideOutput::Stride(Stride {
            side: Some(side),
            start_s: t(ic0),
            end_s: t(ic1),
            stance_s: Some(t(fc1) - t(ic0)),
            swing_s: Some(t(ic1) - t(fc1)),
            single_support_s: None,
            double_support_s: None,
            length_m,
        }));
    }
    out
}

/// Horizontal displacement between two zero-velocity instants (the first and last
/// sample), m; `None` when implausible (> 2.5 m).
pub fn zupt_length_m(seg: &[ImuSample], fs_hz: f64) -> Option<f64> {
    if seg.len() < 3 {
        return None;
    }
    let dt = 1.0 / fs_hz;
    let w = seg.len().min(5);
    let acc0 = seg[..w]
        .iter()
        .fold(Vector3::zeros(), |a, s| a + Vector3::from(s.acc_mps2));
    let mut q = crate::orientation::tilt_from_acc(&acc0);
    let g = Vector3::new(0.0, 0.0, steady_core::STANDARD_GRAVITY_MPS2);
    let mut acc_w = Vec::with_capacity(seg.len());
    for (i, s) in seg.iter().enumerate() {
        if i > 0 {
            let w = Vector3::from(seg[i - 1].gyr_dps) + Vector3::from(s.gyr_dps);
            let w_rps = w * (0.5 * std::f64::consts::PI / 180.0);
            q *= UnitQuaternion::from_scaled_axis(w_rps * dt);
        }
        acc_w.push(q.transform_vector(&Vector3::from(s.acc_mps2)) - g);
    }
    let m = acc_w.len();
    let mut v = vec![Vector3::zeros(); m];
    for i in 1..m {
        v[i] = v[i - 1] + (acc_w[i - 1] + acc_w[i]) * (0.5 * dt);
    }
    let drift = v[m - 1];
    for (i, vi) in v.iter_mut().enumerate() {
        *vi -= drift * (i as f64 / (m - 1) as f64);
    }
    let mut p = Vector3::zeros();
    for i in 1..m {
        p += (v[i - 1] + v[i]) * (0.5 * dt);
    }
    let l = (p.x * p.x + p.y * p.y).sqrt();
    (l < 2.5).then_some(l)
}

impl SideDetector for FootDetector {
    fn push(&mut self, samples: &[ImuSample]) -> Vec<SideOutput> {
        self.samples.extend_from_slice(samples);
        Vec::new()
    }

    fn finish(&mut self) -> Vec<SideOutput> {
        let s = std::mem::take(&mut self.samples);
        detect(self.side, self.fs_hz, &s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::Micros;

    /// Synthetic sagittal rate: per 1.1 s stride a push-off dip, a swing lobe and a
    /// heel-strike dip (deg/s), about `axis` with `sign`.
    fn synth(axis: Vector3<f64>, sign: f64) -> Vec<ImuSample> {
        let fs = 200.0;
        (0..(12.0 * fs) as i64)
            .map(|i| {
                let t = i as f64 / fs;
                let mut w = 0.0;
                for k in 0..10 {
                    let t0 = 1.0 + 1.1 * k as f64;
                    let gauss = |c: f64, s: f64| (-(t - c) * (t - c) / (2.0 * s * s)).exp();
                    w += -150.0 * gauss(t0, 0.04) + 320.0 * gauss(t0 + 0.2, 0.08)
                        - 120.0 * gauss(t0 + 0.42, 0.04);
                }
                let g = axis * (sign * w);
                ImuSample {
                    t: Micros((t * 1e6) as i64),
                    acc_mps2: [0.0, 0.0, 9.81],
                    gyr_dps: [g.x, g.y, g.z],
                }
            })
            .collect()
    }

    fn times(out: &[SideOutput], kind: EventKind) -> Vec<f64> {
        out.iter()
            .filter_map(|o| match o {
                SideOutput::Event(e) if e.kind == kind => Some(e.t_s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn events_do_not_depend_on_axis_or_mirror_mounting() {
        let a = detect(Side::Left, 200.0, &synth(Vector3::z(), 1.0));
        let axis = Vector3::new(0.3, -0.8, 0.5).normalize();
        let b = detect(Side::Left, 200.0, &synth(axis, -1.0));
        let fc = times(&a, EventKind::FinalContact);
        let ic = times(&a, EventKind::InitialContact);
        assert_eq!(fc.len(), 10);
        assert_eq!(ic.len(), 10);
        // FC at the push-off dip; IC between the swing lobe and the heel dip.
        for (k, (f, i)) in fc.iter().zip(&ic).enumerate() {
            let t0 = 1.0 + 1.1 * k as f64;
            assert!((f - t0).abs() <= 0.01, "FC {f} vs {t0}");
            assert!(*i > t0 + 0.25 && *i < t0 + 0.42, "IC {i}");
        }
        for (x, y) in fc.iter().zip(times(&b, EventKind::FinalContact)) {
            assert!((x - y).abs() <= 0.006);
        }
        for (x, y) in ic.iter().zip(times(&b, EventKind::InitialContact)) {
            assert!((x - y).abs() <= 0.006);
        }
        let strides = a
            .iter()
            .filter(|o| matches!(o, SideOutput::Stride(_)))
            .count();
        assert_eq!(strides, 9);
    }

    #[test]
    fn chunked_pushing_equals_one_shot() {
        let s = synth(Vector3::y(), 1.0);
        let mut one = FootDetector::new(Side::Right, 200.0);
        let mut all = one.push(&s);
        all.extend(one.finish());
        let mut chunked = FootDetector::new(Side::Right, 200.0);
        let mut got = Vec::new();
        let mut i = 0;
        let mut step = 1;
        while i < s.len() {
            let j = (i + step).min(s.len());
            got.extend(chunked.push(&s[i..j]));
            i = j;
            step = step * 7 % 113 + 1;
        }
        got.extend(chunked.finish());
        assert_eq!(got, all);
        assert!(!all.is_empty());
    }
}
