//! Bad input gives typed errors, never a panic.

use steady_analysis::{SensorInput, Subject};
use steady_balance::chair_stand::{self, InputError};
use steady_balance::{four_stage, tug};
use steady_core::{ImuSample, Micros, Placement};

fn still(n: usize, fs: f64) -> Vec<ImuSample> {
    (0..n)
        .map(|k| ImuSample {
            t: Micros::from_secs_f64(k as f64 / fs),
            acc_mps2: [9.81, 0.0, 0.0],
            gyr_dps: [0.0; 3],
        })
        .collect()
}

#[test]
fn typed_errors_for_bad_input() {
    let mut x = still(500, 100.0);
    assert_eq!(
        chair_stand::analyze(&x, 0.0, 30.0, None, None),
        Err(InputError::BadRate(0.0))
    );
    assert!(matches!(
        chair_stand::analyze(&x[..5], 100.0, 30.0, None, None),
        Err(InputError::TooShort(_))
    ));
    x[7].acc_mps2[1] = f64::NAN;
    assert_eq!(
        chair_stand::analyze(&x, 100.0, 30.0, None, None),
        Err(InputError::NotFinite(7))
    );
    let y = still(500, 100.0);
    let shank = [SensorInput {
        placement: Placement::LeftShank,
        samples: &y,
        sampling_rate_hz: 100.0,
    }];
    assert!(matches!(
        tug::analyze(&shank, &Subject::default(), None),
        Err(tug::TugError::Input(InputError::MissingSensor(_)))
    ));
    let back = [SensorInput {
        placement: Placement::LowerBack,
        samples: &y,
        sampling_rate_hz: 100.0,
    }];
    // Quiet standing only: no sit-to-stand, no repetitions, no stage.
    assert!(matches!(
        tug::analyze(&back, &Subject::default(), None),
        Err(tug::TugError::PhaseNotFound(_))
    ));
    assert_eq!(
        chair_stand::analyze(&y, 100.0, 30.0, None, None)
            .unwrap()
            .count,
        0
    );
    let r = four_stage::analyze(&back, 10.0);
    assert!(r.stages.is_empty());
    assert_eq!(
        r.tandem_held, None,
        "nothing done: undetermined, not normal"
    );
    assert_eq!(four_stage::analyze(&[], 10.0).sensors_used, Vec::new());
}
