//! Loss, delay, clock and ordering properties of the simulated BLE transport.

use steady_sim::transport::{
    encode_with, FrameContent, FrameEncoder, NotificationStream, TransportConfig,
};
use steady_sim::{simulate, Scenario, SensorConfig, Simulator, WalkParams};

/// Test encoder: frame sequence and sample count only (the wire format is tested elsewhere).
struct Tag;
impl FrameEncoder for Tag {
    fn encode(&mut self, f: &FrameContent<'_>) -> Vec<u8> {
        let mut v = f.frame_seq.to_le_bytes().to_vec();
        v.push(f.samples.len() as u8);
        v
    }
}

fn scenario() -> Scenario {
    Scenario::new().stand(2.0).walk(WalkParams::default(), 40.0)
}

#[test]
fn observed_loss_matches_configured_rate() {
    let sim = simulate(&scenario(), &SensorConfig::default(), 1);
    for loss in [0.0, 5.0, 20.0] {
        let cfg = TransportConfig {
            loss_pct: loss,
            bursts_per_min: 0.0,
            ..TransportConfig::default()
        };
        let out = encode_with(&sim, &cfg, 9, Tag);
        let frames_per_sensor = (sim.streams[0].1.len() as f64 / 4.0).ceil();
        let sent = frames_per_sensor * 3.0;
        let observed = 100.0 * (1.0 - out.len() as f64 / sent);
        // Binomial sd at ~3300 frames is < 0.7 %.
        assert!(
            (observed - loss).abs() < 2.0,
            "loss {observed} % vs {loss} %"
        );
    }
    // Bursts: lost frames come in runs.
    let cfg = TransportConfig {
        loss_pct: 0.0,
        bursts_per_min: 20.0,
        burst_mean_frames: 8.0,
        ..TransportConfig::default()
    };
    let out = encode_with(&sim, &cfg, 9, Tag);
    let seqs: Vec<u64> = out
        .iter()
        .filter(|n| n.sensor_index == 0)
        .map(|n| n.frame_seq)
        .collect();
    let gaps: Vec<u64> = seqs
        .windows(2)
        .map(|w| w[1] - w[0] - 1)
        .filter(|&g| g > 0)
        .collect();
    assert!(!gaps.is_empty());
    let mean_gap = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64;
    assert!(
        mean_gap > 4.0 && mean_gap < 14.0,
        "mean burst {mean_gap} frames"
    );
}

#[test]
fn delay_is_never_negative_and_per_sensor_order_is_kept() {
    let sim = simulate(&scenario(), &SensorConfig::default(), 2);
    let cfg = TransportConfig::default();
    let out = encode_with(&sim, &cfg, 3, Tag);
    let mut last = [0u64; 3];
    let mut delays = Vec::new();
    for w in out.windows(2) {
        assert!(
            w[1].arrival_host_us >= w[0].arrival_host_us,
            "not in arrival order"
        );
    }
    for n in &out {
        let d = n.arrival_host_us as i64 - n.sent_host_us as i64;
        assert!(d >= 7_500, "delay {d} µs");
        assert!(d <= 50_000 + 20_000, "delay {d} µs");
        assert!(n.arrival_host_us >= last[n.sensor_index]);
        last[n.sensor_index] = n.arrival_host_us;
        // Sent only after its last sample exists.
        let last_k = (n.first_sample + 3).min(sim.streams[0].1.len() as u64 - 1);
        let last_t = last_k as f64 / 100.0;
        assert!(n.sent_host_us as f64 >= last_t * 1e6);
        delays.push(d as f64);
    }
    let mean = delays.iter().sum::<f64>() / delays.len() as f64;
    assert!(mean > 12_000.0 && mean < 20_000.0, "mean delay {mean} µs");
}

#[test]
fn device_clock_drifts_by_the_configured_ppm_from_its_offset() {
    let sim = simulate(&scenario(), &SensorConfig::default(), 2);
    let cfg = TransportConfig {
        clock_drift_ppm: vec![100.0, -50.0, 0.0],
        clock_offset_us: vec![5_000_000, 0, 123],
        ..TransportConfig::ideal()
    };
    let out = encode_with(&sim, &cfg, 3, Tag);
    for (i, ppm, off) in [(0usize, 100.0, 5_000_000u64), (1, -50.0, 0), (2, 0.0, 123)] {
        let mine: Vec<_> = out.iter().filter(|n| n.sensor_index == i).collect();
        let (a, b) = (mine[0], mine[mine.len() - 1]);
        assert_eq!(a.device_time_us, off);
        let true_dt = (b.first_sample - a.first_sample) as f64 / 100.0 * 1e6;
        let dev_dt = (b.device_time_us - a.device_time_us) as f64;
        let measured_ppm = (dev_dt / true_dt - 1.0) * 1e6;
        assert!(
            (measured_ppm - ppm).abs() < 0.1,
            "sensor {i}: {measured_ppm} ppm"
        );
    }
}

#[test]
fn stream_equals_batch_and_seeds_matter() {
    let sc = Scenario::new().stand(1.0).walk(WalkParams::default(), 5.0);
    let cfg = SensorConfig::default();
    let t = TransportConfig::default();
    let batch = encode_with(&simulate(&sc, &cfg, 4), &t, 5, Tag);
    let sim = Simulator::new(&sc, &cfg, 4);
    let streamed: Vec<_> = NotificationStream::new(&sim, &t, 5, Tag).collect();
    assert_eq!(batch, streamed);
    assert_eq!(batch, encode_with(&simulate(&sc, &cfg, 4), &t, 5, Tag));
    let other: Vec<u64> = encode_with(&simulate(&sc, &cfg, 4), &t, 6, Tag)
        .iter()
        .map(|n| n.arrival_host_us)
        .collect();
    assert_ne!(
        batch.iter().map(|n| n.arrival_host_us).collect::<Vec<_>>(),
        other
    );
}
