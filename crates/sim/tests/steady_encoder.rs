//! Simulated samples → SteadyFrameEncoder → steady_protocol decode: values within half a
//! quantisation step, sequence and device time intact, losses counted.

use steady_protocol::data::DataFrame;
use steady_protocol::scale::{acc_step_mps2, gyr_step_dps, sample_to_si};
use steady_protocol::{AccRange, GyrRange, StreamTracker};
use steady_sim::transport::{encode_with, TransportConfig};
use steady_sim::{simulate, Scenario, SensorConfig, SteadyFrameEncoder, WalkParams};

#[test]
fn simulated_walk_round_trips_within_quantisation() {
    let sim = simulate(
        &Scenario::new()
            .stand(1.0)
            .walk_strides(WalkParams::default(), 8),
        &SensorConfig::default(),
        3,
    );
    let cfg = TransportConfig::default(); // 1 % loss, bursts, drift, offsets
    let enc = SteadyFrameEncoder::new(100.0, AccRange::G8, GyrRange::Dps1000).unwrap();
    let out = encode_with(&sim, &cfg, 11, enc);
    assert!(out.len() > 100);
    let c = enc.config();
    let (da, dg) = (acc_step_mps2(c.acc_range), gyr_step_dps(c.gyr_range));
    let mut trackers = vec![StreamTracker::new(); sim.streams.len()];
    let mut checked = 0;
    for n in &out {
        let f = DataFrame::decode(&n.bytes).expect("decodes");
        assert_eq!(f.config, c);
        assert_eq!(f.seq, n.frame_seq as u8);
        assert_eq!(f.t_us, n.device_time_us as u32);
        let tr = trackers[n.sensor_index].push(&f);
        assert_eq!(tr.t_us, n.device_time_us, "unwrapped device time");
        let truth = &sim.streams[n.sensor_index].1;
        assert_eq!(
            tr.first_sample, n.first_sample,
            "sample index across losses"
        );
        for (i, s) in f.samples().iter().enumerate() {
            let t = truth[n.first_sample as usize + i];
            let (acc, gyr) = sample_to_si(s, c);
            for k in 0..3 {
                assert!((acc[k] - t.acc_mps2[k]).abs() <= da / 2.0 + 1e-12);
                assert!((gyr[k] - t.gyr_dps[k]).abs() <= dg / 2.0 + 1e-12);
            }
            checked += 1;
        }
    }
    assert!(checked > 2000);
}

#[test]
fn clipping_sets_the_saturated_flag() {
    let sim = simulate(
        &Scenario::new().walk_strides(WalkParams::default(), 4),
        &SensorConfig::default(),
        1,
    );
    // ±2 g cannot hold a shank's heel-strike peaks.
    let enc = SteadyFrameEncoder::new(100.0, AccRange::G2, GyrRange::Dps250).unwrap();
    let out = encode_with(&sim, &TransportConfig::ideal(), 1, enc);
    let saturated = out
        .iter()
        .filter(|n| DataFrame::decode(&n.bytes).unwrap().flags.saturated)
        .count();
    assert!(saturated > 0);
    // And with the default ranges nothing of a normal walk clips.
    let out = encode_with(
        &sim,
        &TransportConfig::ideal(),
        1,
        SteadyFrameEncoder::default(),
    );
    assert!(out
        .iter()
        .all(|n| !DataFrame::decode(&n.bytes).unwrap().flags.saturated));
}

#[test]
fn unsupported_rate_is_refused() {
    assert!(SteadyFrameEncoder::new(120.0, AccRange::G16, GyrRange::Dps2000).is_none());
}
