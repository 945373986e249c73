//! A filled-in example model: input for rendering tests, the bench and screenshots.
//! The numbers are illustrative, not measurements.

use crate::model::*;
use steady_core::{Placement, Side};

/// A model at `now_s` = 20 s with `n_sensors` streaming sensors (100 Hz traces of 6 s).
pub fn streaming(n_sensors: usize) -> DashboardModel {
    let now_s = 20.0;
    let placements = [
        Placement::LowerBack,
        Placement::LeftShank,
        Placement::RightShank,
        Placement::LeftFoot,
        Placement::RightFoot,
        Placement::LeftThigh,
        Placement::RightThigh,
    ];
    let sensors: Vec<SensorRow> = (0..n_sensors)
        .map(|i| SensorRow {
            id: i as u16,
            name: format!("IMU-{:02}", i + 1),
            placement: placements.get(i).copied(),
            vendor: "steady-sim".into(),
            state: SensorState::Streaming,
            battery_pct: Some(90 - i as u8),
            rssi_dbm: Some(-50 - i as i16),
            rate_hz: 100.0,
            loss_pct: 0.4,
            clock_offset_ms: Some(1.5),
        })
        .collect();
    let traces = sensors
        .iter()
        .map(|s| SignalTrace {
            placement: s.placement,
            label: "gyro ML, deg/s".into(),
            points: (0..600)
                .map(|k| {
                    let t = now_s - 6.0 + k as f64 / 100.0;
                    (t, 200.0 * (t * 6.0 + s.id as f64).sin())
                })
                .collect(),
        })
        .collect();
    let legs = Side::BOTH
        .iter()
        .map(|&side| {
            let shift = if side == Side::Left { 0.0 } else { 0.55 };
            let mut bars = Vec::new();
            let mut t = 10.0 + shift;
            while t < now_s {
                bars.push(PhaseBar {
                    start_s: t,
                    end_s: (t + 0.66).min(now_s),
                    stance: true,
                });
                bars.push(PhaseBar {
                    start_s: t + 0.66,
                    end_s: (t + 1.1).min(now_s),
                    stance: false,
                });
                t += 1.1;
            }
            LegTimeline {
                side,
                bars,
                strides: 9,
            }
        })
        .collect();
    DashboardModel {
        now_s,
        patient: Some("demo patient".into()),
        sensors,
        traces,
        legs,
        gait: GaitLive {
            recording: true,
            elapsed_s: 15.0,
            cadence_spm: Some(109.0),
            speed_mps: Some(1.21),
            stance_pct: [Some(60.5), Some(61.2)],
            single_support_s: [Some(0.43), Some(0.41)],
            asymmetry: vec![
                AsymmetryGauge {
                    name: "step time".into(),
                    value_pct: 3.2,
                    normal_max_pct: 5.0,
                },
                AsymmetryGauge {
                    name: "stance".into(),
                    value_pct: 7.5,
                    normal_max_pct: 5.0,
                },
            ],
            stride_count: 18,
            completeness_pct: 99.6,
            result: None,
        },
        balance: BalanceView {
            phase: BalancePhase::Holding { elapsed_s: 12.4 },
            stance: Some(Side::Right),
            trial: 1,
            trials_per_side: 1,
            time_limit_s: 30.0,
            sway_mm: (0..300)
                .map(|k| {
                    let t = k as f64 / 50.0;
                    (8.0 * (t * 3.1).sin(), 4.0 * (t * 1.7).cos())
                })
                .collect(),
            results: vec![],
            norm: Some(AgeNorm {
                group: "age 70-79".into(),
                mean_s: 15.0,
                source: "Springer 2007".into(),
            }),
        },
        other: None,
        summary: SessionSummary {
            metrics: vec![MetricRow {
                name: "gait speed, m/s".into(),
                value: "1.21".into(),
            }],
            findings: vec![Finding {
                level: RiskLevel::High,
                title: "slow gait".into(),
                reason: "speed 0.85 m/s < 1.0 m/s".into(),
            }],
            recording: Some("/tmp/demo-rec".into()),
            title: Some("session 4 · walk".into()),
        },
        history: PatientHistory {
            trends: vec![Trend {
                name: "gait speed, m/s".into(),
                values: vec![0.9, 0.95, 1.05, 1.21],
                mdc: Some(0.19),
                verdict: Some("IMPROVED".into()),
            }],
            goals: vec![GoalProgress {
                text: "speed ≥ 1.3 m/s".into(),
                baseline: 0.9,
                target: 1.3,
                current: 1.21,
                met: Some(false),
            }],
        },
        status: None,
        alert: None,
    }
}
