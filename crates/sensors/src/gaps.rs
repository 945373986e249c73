//! Gap accounting: every lost sample counted and reported as an explicit gap on the session
//! timeline, never interpolated. Input is the per-sample sequence number (unwrapped; for a
//! frame-numbered protocol `frame_seq · samples_per_frame + i`) and the sample's session time.
//!
//! Pure state machine.

use serde::Serialize;
use steady_core::{Gap, Micros};

/// What one sample's sequence number means for the stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeqOutcome {
    /// The next expected sample.
    InOrder,
    /// Samples were lost before this one (the gap is also recorded).
    AfterGap(Gap),
    /// A sample already seen or older than the newest one (duplicate or reordered): drop it.
    Stale,
}

/// Counts received and lost samples of one sensor and keeps the gaps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GapTracker {
    next_seq: Option<u64>,
    last_t: Option<Micros>,
    received: u64,
    lost: u64,
    stale: u64,
    gaps: Vec<Gap>,
}

/// Summary of one sensor's stream over a trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completeness {
    /// Samples received.
    pub received: u64,
    /// Samples lost (sum over the gaps).
    pub lost: u64,
    /// Duplicate or reordered samples dropped.
    pub stale: u64,
    /// `received / (received + lost)`, 1.0 when nothing was expected.
    pub completeness: f64,
    /// The gaps, in time order.
    pub gaps: Vec<Gap>,
}

impl GapTracker {
    /// An empty tracker (the first sample seen defines the start of the stream).
    pub fn new() -> GapTracker {
        GapTracker::default()
    }

    /// Accounts for sample `seq` at session time `t`.
    pub fn push(&mut self, seq: u64, t: Micros) -> SeqOutcome {
        let out = match self.next_seq {
            Some(next) if seq < next => {
                self.stale += 1;
                return SeqOutcome::Stale;
            }
            Some(next) if seq > next => {
                let gap = Gap {
                    start: self.last_t.unwrap_or(t),
                    end: t,
                    lost_samples: seq - next,
                };
                self.lost += gap.lost_samples;
                self.gaps.push(gap);
                SeqOutcome::AfterGap(gap)
            }
            _ => SeqOutcome::InOrder,
        };
        self.next_seq = Some(seq + 1);
        self.last_t = Some(t);
        self.received += 1;
        out
    }

    /// Samples received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Samples lost so far.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// All gaps so far.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// Received fraction of the expected samples so far (1.0 before any data).
    pub fn completeness(&self) -> f64 {
        let expected = self.received + self.lost;
        if expected == 0 {
            1.0
        } else {
            self.received as f64 / expected as f64
        }
    }

    /// Summary of the whole stream.
    pub fn summary(&self) -> Completeness {
        Completeness {
            received: self.received,
            lost: self.lost,
            stale: self.stale,
            completeness: self.completeness(),
            gaps: self.gaps.clone(),
        }
    }

    /// Completeness of a trial `[start, end)` at `rate_hz`: expected samples from the span,
    /// lost samples from the gaps overlapping it (pro rata for gaps crossing an edge).
    pub fn trial_completeness(&self, start: Micros, end: Micros, rate_hz: f64) -> f64 {
        let span_us = (end - start).max(0) as f64;
        let expected = span_us * 1e-6 * rate_hz;
        if expected <= 0.0 {
            return 1.0;
        }
        let mut lost = 0.0;
        for g in &self.gaps {
            let len = (g.end - g.start).max(1) as f64;
            let a = g.start.max(start);
            let b = g.end.min(end);
            if b > a {
                lost += g.lost_samples as f64 * (b - a) as f64 / len;
            }
        }
        (1.0 - lost / expected).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::Placement;
    use steady_sim::transport::{encode_with, FrameContent, FrameEncoder, TransportConfig};
    use steady_sim::{Scenario, SensorConfig};

    struct Nothing;
    impl FrameEncoder for Nothing {
        fn encode(&mut self, _f: &FrameContent<'_>) -> Vec<u8> {
            Vec::new()
        }
    }

    #[test]
    fn counts_gaps_and_drops_duplicates() {
        let mut g = GapTracker::new();
        assert_eq!(g.push(10, Micros(0)), SeqOutcome::InOrder);
        assert_eq!(g.push(11, Micros(10)), SeqOutcome::InOrder);
        let out = g.push(15, Micros(50));
        assert_eq!(
            out,
            SeqOutcome::AfterGap(Gap {
                start: Micros(10),
                end: Micros(50),
                lost_samples: 3
            })
        );
        assert_eq!(g.push(14, Micros(40)), SeqOutcome::Stale);
        assert_eq!(g.push(15, Micros(50)), SeqOutcome::Stale);
        assert_eq!(g.received(), 3);
        assert_eq!(g.lost(), 3);
        assert!((g.completeness() - 0.5).abs() < 1e-12);
    }

    /// Loss bursts from the simulator's transport: the lost count equals the frames the
    /// transport dropped (truth: the frame numbers that never arrived).
    #[test]
    fn simulator_loss_bursts_are_counted_exactly() {
        let scenario = Scenario::new().stand(120.0);
        let sim = steady_sim::simulate(&scenario, &SensorConfig::new(&[Placement::LowerBack]), 3);
        let cfg = TransportConfig {
            loss_pct: 3.0,
            bursts_per_min: 4.0,
            burst_mean_frames: 8.0,
            ..TransportConfig::default()
        };
        let notes = encode_with(&sim, &cfg, 5, Nothing);
        let n = cfg.samples_per_frame as u64;
        let total_frames = sim.streams[0].1.len() as u64 / n;
        let mut got = vec![false; total_frames as usize + 1];
        let mut g = GapTracker::new();
        for note in &notes {
            got[note.frame_seq as usize] = true;
            for j in 0..n {
                let k = note.first_sample + j;
                g.push(k, Micros((k as f64 * 1e6 / sim.rate_hz) as i64));
            }
        }
        let last = notes.iter().map(|n| n.frame_seq).max().unwrap();
        let first = notes.iter().map(|n| n.frame_seq).min().unwrap();
        let dropped = (first..=last).filter(|&f| !got[f as usize]).count() as u64;
        assert!(dropped > 20, "scenario should lose frames, lost {dropped}");
        assert_eq!(g.lost(), dropped * n);
        // Every gap is a whole number of frames and sits where frames are missing.
        for gap in g.gaps() {
            assert_eq!(gap.lost_samples % n, 0);
            let k_after = (gap.end.0 as f64 * sim.rate_hz / 1e6).round() as u64;
            assert!(!got[(k_after / n - 1) as usize]);
        }
        let c = g.completeness();
        let expected = 1.0 - dropped as f64 / (last - first + 1) as f64;
        assert!((c - expected).abs() < 1e-9);
        assert!(c < 0.99 && c > 0.8, "completeness {c}");
    }

    #[test]
    fn trial_completeness_counts_only_overlapping_gaps() {
        let mut g = GapTracker::new();
        for k in 0..100u64 {
            g.push(k, Micros(k as i64 * 10_000));
        }
        // 100 lost samples (1 s at 100 Hz), then 100 more received.
        for k in 200..300u64 {
            g.push(k, Micros(k as i64 * 10_000));
        }
        let whole = g.trial_completeness(Micros(0), Micros(3_000_000), 100.0);
        assert!((whole - 2.0 / 3.0).abs() < 0.01, "{whole}");
        let clean = g.trial_completeness(Micros(2_000_000), Micros(3_000_000), 100.0);
        assert!((clean - 1.0).abs() < 1e-9);
    }
}
