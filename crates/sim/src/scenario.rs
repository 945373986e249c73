//! What the simulated person does: a [`Scenario`] is a list of [`Activity`] segments played one
//! after the other. Every activity starts and ends in quiet standing, so segments join smoothly.

use serde::{Deserialize, Serialize};
use steady_core::Side;

/// Gait parameters of a walking segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkParams {
    /// Cadence in steps per minute (stride time = 120 / cadence).
    pub cadence_spm: f64,
    /// Mean step length in metres; speed = step length × cadence / 60.
    pub step_length_m: f64,
    /// Stance time as a fraction of the stride, per leg `[left, right]`; each in 0.52–0.80.
    /// A smaller value on one side simulates an antalgic gait (shorter stance on the painful side).
    pub stance_fraction: [f64; 2],
    /// Coefficient of variation of step time (random per step, seeded), e.g. 0.02.
    pub step_time_cv: f64,
    /// Coefficient of variation of foot placement along the path (fraction of step length).
    pub step_length_cv: f64,
    /// Pelvic drop (frontal-plane tilt, hip of the swing side going down) during single support
    /// on each stance side `[left, right]`, degrees; ~3° is typical, ≥ 8° looks like Trendelenburg.
    pub pelvic_drop_deg: [f64; 2],
    /// Step width (lateral distance between the feet's tracks), m.
    pub step_width_m: f64,
    /// Leg that takes the first step.
    pub first_swing: Side,
}

impl Default for WalkParams {
    fn default() -> Self {
        WalkParams {
            cadence_spm: 108.0,
            step_length_m: 0.65,
            stance_fraction: [0.62, 0.62],
            step_time_cv: 0.02,
            step_length_cv: 0.03,
            pelvic_drop_deg: [3.0, 3.0],
            step_width_m: 0.12,
            first_swing: Side::Right,
        }
    }
}

impl WalkParams {
    /// Walking speed in m/s implied by cadence and step length.
    pub fn speed_mps(&self) -> f64 {
        self.step_length_m * self.cadence_spm / 60.0
    }

    /// Mean stride time in seconds.
    pub fn stride_time_s(&self) -> f64 {
        120.0 / self.cadence_spm
    }

    /// The same gait with the step length chosen to give `speed_mps` at this cadence.
    pub fn with_speed(mut self, speed_mps: f64) -> Self {
        self.step_length_m = speed_mps * 60.0 / self.cadence_spm;
        self
    }

    /// The same gait with stance fraction `fraction` on `side` (antalgic when shorter).
    pub fn with_stance(mut self, side: Side, fraction: f64) -> Self {
        self.stance_fraction[side_index(side)] = fraction;
        self
    }
}

/// One piece of a walking route.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum RoutePiece {
    /// Walk straight for this long, seconds (at the gait's speed).
    Straight {
        /// Duration, s.
        duration_s: f64,
    },
    /// Turn while stepping: heading changes by `angle_deg` (positive = to the left), speed drops
    /// to `speed_factor` × the gait speed.
    Turn {
        /// Heading change, degrees (+ left / counter-clockwise seen from above).
        angle_deg: f64,
        /// Duration of the turn, s.
        duration_s: f64,
        /// Path speed during the turn relative to straight walking (0..1).
        speed_factor: f64,
    },
}

/// Outcome scripted for a single-leg stance trial.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SlsOutcome {
    /// The person holds until the time limit, then puts the foot down.
    TimeLimit,
    /// The free foot touches down this many seconds after lift-off.
    TouchDown {
        /// Seconds after lift-off.
        after_s: f64,
    },
    /// Loss of balance this many seconds after lift-off: a quick hop of the stance leg and a
    /// touch-down of the free foot.
    Hop {
        /// Seconds after lift-off.
        after_s: f64,
    },
}

/// Single-leg stance trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlsParams {
    /// The leg that stays on the ground.
    pub stance: Side,
    /// Time limit of the trial after lift-off, s.
    pub time_limit_s: f64,
    /// Medio-lateral sway amplitude of the lower back, mm.
    pub sway_ml_mm: f64,
    /// Antero-posterior sway amplitude of the lower back, mm.
    pub sway_ap_mm: f64,
    /// Dominant sway frequency, Hz.
    pub sway_hz: f64,
    /// How the trial ends.
    pub outcome: SlsOutcome,
}

impl Default for SlsParams {
    fn default() -> Self {
        SlsParams {
            stance: Side::Left,
            time_limit_s: 10.0,
            sway_ml_mm: 8.0,
            sway_ap_mm: 6.0,
            sway_hz: 0.8,
            outcome: SlsOutcome::TimeLimit,
        }
    }
}

/// The four CDC STEADI balance stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceStage {
    /// Feet side by side.
    FeetTogether,
    /// Instep of one foot touching the big toe of the other.
    SemiTandem,
    /// One foot directly in front of the other.
    Tandem,
    /// Standing on one leg.
    SingleLeg,
}

impl BalanceStage {
    /// The four stages in test order.
    pub const ALL: [BalanceStage; 4] = [
        BalanceStage::FeetTogether,
        BalanceStage::SemiTandem,
        BalanceStage::Tandem,
        BalanceStage::SingleLeg,
    ];
}

/// CDC STEADI 4-stage balance test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FourStageParams {
    /// Hold time per stage, s (10 in the protocol).
    pub stage_s: f64,
    /// Foot placed in front (semi-tandem, tandem) and lifted (single leg).
    pub moving_foot: Side,
    /// Scripted failure: the stage and the seconds into it when the person steps out.
    pub fail: Option<(BalanceStage, f64)>,
    /// ML sway amplitude in mm for the four stages (grows as the base narrows).
    pub sway_ml_mm: [f64; 4],
}

impl Default for FourStageParams {
    fn default() -> Self {
        FourStageParams {
            stage_s: 10.0,
            moving_foot: Side::Right,
            fail: None,
            sway_ml_mm: [3.0, 5.0, 9.0, 12.0],
        }
    }
}

/// 30-second chair stand test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChairStandParams {
    /// Test duration, s (30 in the protocol).
    pub duration_s: f64,
    /// Time of one full sit-stand-sit cycle, s.
    pub rep_s: f64,
    /// Insert a failed half-rise (does not count) before this repetition (0-based), if any.
    pub failed_rise_before: Option<u32>,
}

impl Default for ChairStandParams {
    fn default() -> Self {
        ChairStandParams {
            duration_s: 30.0,
            rep_s: 2.6,
            failed_rise_before: None,
        }
    }
}

/// Timed Up and Go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TugParams {
    /// Gait used for the walks.
    pub walk: WalkParams,
    /// Distance to the line, m (3 in the protocol).
    pub distance_m: f64,
    /// Duration of each 180° turn, s.
    pub turn_s: f64,
}

impl Default for TugParams {
    fn default() -> Self {
        TugParams {
            walk: WalkParams {
                cadence_spm: 105.0,
                step_length_m: 0.6,
                ..WalkParams::default()
            },
            distance_m: 3.0,
            turn_s: 1.5,
        }
    }
}

/// One segment of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Activity {
    /// Quiet standing (small postural sway).
    Stand {
        /// Duration, s.
        duration_s: f64,
    },
    /// A walking bout from standing to standing along a route.
    Walk {
        /// Gait parameters.
        params: WalkParams,
        /// Route pieces, in order.
        route: Vec<RoutePiece>,
    },
    /// Single-leg stance trial (lift-off, hold, end, back to standing).
    SingleLegStance(SlsParams),
    /// CDC STEADI 4-stage balance test.
    FourStage(FourStageParams),
    /// 30 s chair stand (sit down first, stand up after).
    ChairStand(ChairStandParams),
    /// Timed Up and Go (sit down first, stand up after).
    Tug(TugParams),
}

/// A sequence of activities, played in order from t = 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The activities.
    pub activities: Vec<Activity>,
}

impl Scenario {
    /// An empty scenario.
    pub fn new() -> Scenario {
        Scenario::default()
    }

    /// Append quiet standing.
    pub fn stand(mut self, duration_s: f64) -> Self {
        self.activities.push(Activity::Stand { duration_s });
        self
    }

    /// Append straight walking of about `duration_s` of steady gait.
    pub fn walk(mut self, params: WalkParams, duration_s: f64) -> Self {
        self.activities.push(Activity::Walk {
            params,
            route: vec![RoutePiece::Straight { duration_s }],
        });
        self
    }

    /// Append straight walking of about `n` strides.
    pub fn walk_strides(self, params: WalkParams, n: u32) -> Self {
        let d = params.stride_time_s() * f64::from(n);
        self.walk(params, d)
    }

    /// Append walking along an explicit route (turns included).
    pub fn walk_route(mut self, params: WalkParams, route: Vec<RoutePiece>) -> Self {
        self.activities.push(Activity::Walk { params, route });
        self
    }

    /// Append a single-leg stance trial.
    pub fn single_leg_stance(mut self, p: SlsParams) -> Self {
        self.activities.push(Activity::SingleLegStance(p));
        self
    }

    /// Append a 4-stage balance test.
    pub fn four_stage(mut self, p: FourStageParams) -> Self {
        self.activities.push(Activity::FourStage(p));
        self
    }

    /// Append a 30 s chair stand test.
    pub fn chair_stand_30s(mut self, p: ChairStandParams) -> Self {
        self.activities.push(Activity::ChairStand(p));
        self
    }

    /// The built-in demo session (about 2.5 minutes): standing, a walk with a 180° turn, a
    /// single-leg stance trial on each leg (the second ends early), a 30 s chair stand with one
    /// failed rise, and a TUG.
    pub fn demo() -> Scenario {
        let walk = WalkParams::default();
        Scenario::new()
            .stand(5.0)
            .walk_route(
                walk.clone(),
                vec![
                    RoutePiece::Straight { duration_s: 20.0 },
                    RoutePiece::Turn {
                        angle_deg: 180.0,
                        duration_s: 2.5,
                        speed_factor: 0.4,
                    },
                    RoutePiece::Straight { duration_s: 20.0 },
                ],
            )
            .stand(3.0)
            .single_leg_stance(SlsParams::default())
            .single_leg_stance(SlsParams {
                stance: Side::Right,
                outcome: SlsOutcome::TouchDown { after_s: 6.5 },
                ..SlsParams::default()
            })
            .chair_stand_30s(ChairStandParams {
                failed_rise_before: Some(3),
                ..ChairStandParams::default()
            })
            .tug(TugParams::default())
            .stand(2.0)
    }

    /// Append a Timed Up and Go.
    pub fn tug(mut self, p: TugParams) -> Self {
        self.activities.push(Activity::Tug(p));
        self
    }
}

/// `x` limited to `[lo, hi]`, or `default` when not finite.
fn sane(x: f64, lo: f64, hi: f64, default: f64) -> f64 {
    if x.is_finite() {
        x.clamp(lo, hi)
    } else {
        default
    }
}

impl WalkParams {
    /// Parameters limited to the ranges the gait model supports (NaN → defaults).
    pub fn sanitized(&self) -> WalkParams {
        let d = WalkParams::default();
        WalkParams {
            cadence_spm: sane(self.cadence_spm, 40.0, 180.0, d.cadence_spm),
            step_length_m: sane(self.step_length_m, 0.15, 1.2, d.step_length_m),
            stance_fraction: [
                sane(self.stance_fraction[0], 0.52, 0.8, 0.62),
                sane(self.stance_fraction[1], 0.52, 0.8, 0.62),
            ],
            step_time_cv: sane(self.step_time_cv, 0.0, 0.1, d.step_time_cv),
            step_length_cv: sane(self.step_length_cv, 0.0, 0.2, d.step_length_cv),
            pelvic_drop_deg: [
                sane(self.pelvic_drop_deg[0], -5.0, 20.0, 3.0),
                sane(self.pelvic_drop_deg[1], -5.0, 20.0, 3.0),
            ],
            step_width_m: sane(self.step_width_m, 0.0, 0.4, d.step_width_m),
            first_swing: self.first_swing,
        }
    }
}

impl Scenario {
    /// The same scenario with every number limited to a range the models support (durations
    /// 0–3600 s, etc.; NaN becomes the default). [`crate::simulate`] applies this, so odd input
    /// gives an odd but finite simulation, never a panic or a hang.
    pub fn sanitized(&self) -> Scenario {
        let dur = |x: f64| sane(x, 0.0, 3600.0, 0.0);
        let after = |o: SlsOutcome, limit: f64| match o {
            SlsOutcome::TimeLimit => SlsOutcome::TimeLimit,
            SlsOutcome::TouchDown { after_s } => SlsOutcome::TouchDown {
                after_s: sane(after_s, 0.7, limit, limit),
            },
            SlsOutcome::Hop { after_s } => SlsOutcome::Hop {
                after_s: sane(after_s, 0.7, limit, limit),
            },
        };
        let activities = self
            .activities
            .iter()
            .map(|a| match a {
                Activity::Stand { duration_s } => Activity::Stand {
                    duration_s: dur(*duration_s),
                },
                Activity::Walk { params, route } => Activity::Walk {
                    params: params.sanitized(),
                    route: route
                        .iter()
                        .map(|r| match *r {
                            RoutePiece::Straight { duration_s } => RoutePiece::Straight {
                                duration_s: dur(duration_s),
                            },
                            RoutePiece::Turn {
                                angle_deg,
                                duration_s,
                                speed_factor,
                            } => RoutePiece::Turn {
                                angle_deg: sane(angle_deg, -720.0, 720.0, 0.0),
                                duration_s: sane(duration_s, 0.3, 60.0, 2.0),
                                speed_factor: sane(speed_factor, 0.05, 1.0, 0.5),
                            },
                        })
                        .collect(),
                },
                Activity::SingleLegStance(p) => {
                    let limit = sane(p.time_limit_s, 1.0, 600.0, 10.0);
                    Activity::SingleLegStance(SlsParams {
                        stance: p.stance,
                        time_limit_s: limit,
                        sway_ml_mm: sane(p.sway_ml_mm, 0.0, 100.0, 8.0),
                        sway_ap_mm: sane(p.sway_ap_mm, 0.0, 100.0, 6.0),
                        sway_hz: sane(p.sway_hz, 0.05, 5.0, 0.8),
                        outcome: after(p.outcome, limit),
                    })
                }
                Activity::FourStage(p) => {
                    let stage_s = sane(p.stage_s, 1.0, 120.0, 10.0);
                    Activity::FourStage(FourStageParams {
                        stage_s,
                        moving_foot: p.moving_foot,
                        fail: p.fail.map(|(st, t)| (st, sane(t, 0.5, stage_s, stage_s))),
                        sway_ml_mm: p.sway_ml_mm.map(|x| sane(x, 0.0, 100.0, 5.0)),
                    })
                }
                Activity::ChairStand(p) => Activity::ChairStand(ChairStandParams {
                    duration_s: sane(p.duration_s, 1.0, 600.0, 30.0),
                    rep_s: sane(p.rep_s, 1.2, 30.0, 2.6),
                    failed_rise_before: p.failed_rise_before,
                }),
                Activity::Tug(p) => Activity::Tug(TugParams {
                    walk: p.walk.sanitized(),
                    distance_m: sane(p.distance_m, 1.0, 50.0, 3.0),
                    turn_s: sane(p.turn_s, 0.5, 10.0, 1.5),
                }),
            })
            .collect();
        Scenario { activities }
    }
}

/// Index of a side in `[left, right]` arrays.
pub fn side_index(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}
