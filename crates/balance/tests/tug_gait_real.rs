//! Gait of TUG walking phases on a real walking recording (Mobilise-D, `../shared/data`):
//! `tug::walking_gait` must pick exactly the gait events of the windows it is given. Skips
//! cleanly when the shared data are absent.

use std::path::Path;

use steady_analysis::gait::types::EventKind;
use steady_analysis::{SensorInput, Subject};
use steady_balance::tug;

#[test]
fn walking_gait_of_real_walking_windows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/mobilised/HA_001/Test5_Trial1");
    let Ok(rec) = steady_recording::read_recording(&dir) else {
        eprintln!("note: {} missing, skipping", dir.display());
        return;
    };
    let inputs: Vec<SensorInput> = rec
        .sensors
        .iter()
        .map(|s| SensorInput {
            placement: s.placement,
            samples: &s.samples,
            sampling_rate_hz: s.sampling_rate_hz(rec.meta.sampling_rate_hz).unwrap(),
        })
        .collect();
    let report = steady_analysis::gait::analyze(&inputs, &Subject::default());
    let Some(bout) = report
        .bouts
        .iter()
        .max_by(|a, b| (a.end_s - a.start_s).total_cmp(&(b.end_s - b.start_s)))
    else {
        panic!("no walking bout in a walking recording");
    };
    // Two windows like walk-out and walk-back: the halves of the longest bout.
    let mid = 0.5 * (bout.start_s + bout.end_s);
    let windows = [(bout.start_s, mid), (mid + 1e-6, bout.end_s)];
    let g = tug::walking_gait(&report, &windows).expect("gait in the bout");
    let ics = report
        .events
        .iter()
        .filter(|e| {
            e.kind == EventKind::InitialContact && e.t_s >= bout.start_s && e.t_s <= bout.end_s
        })
        .count() as u32;
    assert_eq!(g.steps, ics);
    let cadence = g.cadence_spm.unwrap();
    let bout_cadence = bout.cadence_spm.unwrap();
    println!(
        "real walk HA_001/Test5_Trial1: {} steps, cadence {cadence:.1} (bout {bout_cadence:.1}) steps/min, {} strides, stride {:?} s",
        g.steps, g.strides, g.stride_time_s
    );
    assert!((cadence - bout_cadence).abs() / bout_cadence < 0.05);
    assert!(g.strides >= 1);
    let st = g.stride_time_s.unwrap();
    assert!((st - 120.0 / bout_cadence).abs() < 0.15, "stride {st} s");
}
