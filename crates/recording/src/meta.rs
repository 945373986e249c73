//! The typed subset of `meta.json` that steady uses. Every key is optional; unknown keys are
//! kept in [`Meta::raw`] and written back unchanged.

use serde_json::{json, Map, Value};
use steady_core::{Gap, Micros, Placement, Side};

use crate::SensorStream;

/// Participant facts that change how a recording is analysed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Participant {
    /// Pseudonymous id, if given.
    pub id: Option<String>,
    /// Age in years.
    pub age_years: Option<f64>,
    /// Sex as recorded (`female`, `male`, …); free text.
    pub sex: Option<String>,
    /// Body height in metres.
    pub height_m: Option<f64>,
    /// Height of the lower-back sensor above the floor in metres (leg-length proxy).
    pub sensor_height_m: Option<f64>,
}

/// Which structured test a recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestKind {
    /// Free or straight walking (the default).
    #[default]
    Walk,
    /// Single-leg stance (unipedal stance) on one leg.
    SingleLegStance,
    /// CDC STEADI four-stage balance test.
    FourStageBalance,
    /// Timed Up and Go.
    Tug,
    /// 30-second chair stand.
    ChairStand30s,
}

impl TestKind {
    /// The `meta.json` name of the test.
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Walk => "walk",
            TestKind::SingleLegStance => "single_leg_stance",
            TestKind::FourStageBalance => "four_stage_balance",
            TestKind::Tug => "tug",
            TestKind::ChairStand30s => "chair_stand_30s",
        }
    }

    /// Parses a `meta.json` test name.
    pub fn parse(name: &str) -> Option<TestKind> {
        let norm = name.trim().to_ascii_lowercase().replace('-', "_");
        [
            TestKind::Walk,
            TestKind::SingleLegStance,
            TestKind::FourStageBalance,
            TestKind::Tug,
            TestKind::ChairStand30s,
        ]
        .into_iter()
        .find(|k| k.as_str() == norm)
    }
}

/// The test a recording holds and its parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestSpec {
    /// Which test.
    pub kind: TestKind,
    /// For single-leg stance: the stance leg (the leg stood on).
    pub stance_leg: Option<Side>,
    /// For single-leg stance: time limit in seconds (default 30 when absent).
    pub max_hold_s: Option<f64>,
    /// For timed tests such as the chair stand: test length in seconds.
    pub duration_limit_s: Option<f64>,
    /// Eyes closed condition, when recorded.
    pub eyes_closed: Option<bool>,
}

/// Parsed `meta.json`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    /// Nominal sampling rate in Hz (else derive it from `t_s`).
    pub sampling_rate_hz: Option<f64>,
    /// Participant facts.
    pub participant: Participant,
    /// The structured test, default walking.
    pub test: TestSpec,
    /// Gaps per placement, as listed under `gaps`.
    pub gaps: Vec<(Placement, Gap)>,
    /// The whole JSON object as read (unknown keys survive a rewrite).
    pub raw: Map<String, Value>,
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Meta {
    /// Parses `meta.json` text. Fails only on invalid JSON, a non-object, or an unknown test.
    pub fn from_json_str(text_in: &str) -> Result<Meta, String> {
        let value: Value =
            serde_json::from_str(text_in).map_err(|e| format!("invalid JSON: {e}"))?;
        let Value::Object(raw) = value else {
            return Err("meta.json must hold a JSON object".into());
        };
        let mut meta = Meta {
            sampling_rate_hz: num(raw.get("sampling_rate_hz")),
            ..Meta::default()
        };
        if let Some(Value::Object(p)) = raw.get("participant") {
            meta.participant = Participant {
                id: text(p.get("id")),
                age_years: num(p.get("age_years")).or_else(|| num(p.get("age"))),
                sex: text(p.get("sex")),
                height_m: num(p.get("height_m")),
                sensor_height_m: num(p.get("sensor_height_m")),
            };
        }
        meta.test = parse_test(&raw)?;
        if let Some(Value::Object(gaps)) = raw.get("gaps") {
            for (name, list) in gaps {
                let placement: Placement = name
                    .parse()
                    .map_err(|e: steady_core::ParseError| format!("gaps: {e}"))?;
                let Value::Array(items) = list else { continue };
                for item in items {
                    let (Some(start), Some(end)) =
                        (num(item.get("start_s")), num(item.get("end_s")))
                    else {
                        return Err(format!("gaps.{name}: each gap needs start_s and end_s"));
                    };
                    let lost = num(item.get("lost_samples")).unwrap_or(0.0).max(0.0) as u64;
                    meta.gaps.push((
                        placement,
                        Gap {
                            start: Micros::from_secs_f64(start),
                            end: Micros::from_secs_f64(end),
                            lost_samples: lost,
                        },
                    ));
                }
            }
        }
        meta.raw = raw;
        Ok(meta)
    }

    /// Gaps listed for one placement.
    pub fn gaps_for(&self, placement: Placement) -> Vec<Gap> {
        self.gaps
            .iter()
            .filter(|(p, _)| *p == placement)
            .map(|(_, g)| *g)
            .collect()
    }

    /// Replaces the gap list with the streams' gaps.
    pub fn set_gaps(&mut self, streams: &[SensorStream]) {
        self.gaps = streams
            .iter()
            .flat_map(|s| s.gaps.iter().map(move |g| (s.placement, *g)))
            .collect();
    }

    /// The JSON object to write: `raw` with the typed fields laid over it.
    pub fn to_json(&self) -> Value {
        let mut out = self.raw.clone();
        if let Some(rate) = self.sampling_rate_hz {
            out.insert("sampling_rate_hz".into(), json!(rate));
        }
        let mut participant = match out.remove("participant") {
            Some(Value::Object(p)) => p,
            _ => Map::new(),
        };
        let p = &self.participant;
        for (key, value) in [
            ("id", p.id.clone().map(Value::from)),
            ("age_years", p.age_years.map(Value::from)),
            ("sex", p.sex.clone().map(Value::from)),
            ("height_m", p.height_m.map(Value::from)),
            ("sensor_height_m", p.sensor_height_m.map(Value::from)),
        ] {
            if let Some(v) = value {
                participant.insert(key.into(), v);
            }
        }
        if !participant.is_empty() {
            out.insert("participant".into(), Value::Object(participant));
        }
        if self.test != TestSpec::default() || out.contains_key("test") {
            let t = &self.test;
            let mut test = Map::new();
            test.insert("name".into(), json!(t.kind.as_str()));
            if let Some(side) = t.stance_leg {
                test.insert("side".into(), json!(side.as_str()));
                test.insert("stance_leg".into(), json!(side.as_str()));
                test.insert("lifted_leg".into(), json!(side.opposite().as_str()));
            }
            if let Some(v) = t.max_hold_s {
                test.insert("max_hold_s".into(), json!(v));
            }
            if let Some(v) = t.duration_limit_s {
                test.insert("duration_limit_s".into(), json!(v));
            }
            if let Some(v) = t.eyes_closed {
                test.insert("eyes_closed".into(), json!(v));
            }
            out.insert("test".into(), Value::Object(test));
        }
        if self.gaps.is_empty() {
            out.remove("gaps");
        } else {
            let mut gaps = Map::new();
            for (placement, gap) in &self.gaps {
                let entry = gaps
                    .entry(placement.as_str().to_string())
                    .or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(list) = entry {
                    list.push(json!({
                        "start_s": gap.start.as_secs_f64(),
                        "end_s": gap.end.as_secs_f64(),
                        "lost_samples": gap.lost_samples,
                    }));
                }
            }
            out.insert("gaps".into(), Value::Object(gaps));
        }
        Value::Object(out)
    }
}

/// `test` may be a string (`"single_leg_stance"`) with its parameters as top-level keys, or an
/// object (`{"name"|"type"|"kind": …, "side": …}`); both forms are accepted.
fn parse_test(raw: &Map<String, Value>) -> Result<TestSpec, String> {
    let (name, params): (Option<String>, Option<&Map<String, Value>>) = match raw.get("test") {
        None | Some(Value::Null) => (None, None),
        Some(Value::String(s)) => (Some(s.clone()), None),
        Some(Value::Object(o)) => (
            text(o.get("name"))
                .or_else(|| text(o.get("type")))
                .or_else(|| text(o.get("kind"))),
            Some(o),
        ),
        Some(other) => {
            return Err(format!(
                "`test` must be a string or an object, found {other}"
            ))
        }
    };
    let kind = match name {
        None => TestKind::Walk,
        Some(n) => TestKind::parse(&n).ok_or_else(|| {
            format!("unknown test `{n}` (expected walk, single_leg_stance, four_stage_balance, tug, chair_stand_30s)")
        })?,
    };
    let get = |key: &str| params.and_then(|p| p.get(key)).or_else(|| raw.get(key));
    let side_of = |key: &str| text(get(key)).and_then(|s| s.parse::<Side>().ok());
    let stance_leg = side_of("stance_leg")
        .or_else(|| side_of("side"))
        .or_else(|| side_of("lifted_leg").map(Side::opposite));
    Ok(TestSpec {
        kind,
        stance_leg,
        max_hold_s: num(get("max_hold_s")),
        duration_limit_s: num(get("duration_limit_s")),
        eyes_closed: match get("eyes_closed") {
            Some(Value::Bool(b)) => Some(*b),
            _ => text(get("eyes")).map(|e| e.eq_ignore_ascii_case("closed")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_as_string_with_top_level_side() {
        let m =
            Meta::from_json_str(r#"{"test":"single_leg_stance","side":"right","max_hold_s":45}"#)
                .unwrap();
        assert_eq!(m.test.kind, TestKind::SingleLegStance);
        assert_eq!(m.test.stance_leg, Some(Side::Right));
        assert_eq!(m.test.max_hold_s, Some(45.0));
    }

    #[test]
    fn test_as_object_and_lifted_leg_only() {
        let m = Meta::from_json_str(r#"{"test":{"name":"single_leg_stance","lifted_leg":"left"}}"#)
            .unwrap();
        assert_eq!(m.test.stance_leg, Some(Side::Right));
    }

    #[test]
    fn unknown_test_is_an_error_and_walk_is_default() {
        assert!(Meta::from_json_str(r#"{"test":"juggling"}"#).is_err());
        assert_eq!(Meta::from_json_str("{}").unwrap().test.kind, TestKind::Walk);
    }

    #[test]
    fn reads_mobilised_style_participant() {
        let m = Meta::from_json_str(
            r#"{"participant":{"height_m":1.59,"sensor_height_m":0.964},"sampling_rate_hz":100.0,"recording":{"test":"Test5"}}"#,
        )
        .unwrap();
        assert_eq!(m.participant.sensor_height_m, Some(0.964));
        assert_eq!(m.sampling_rate_hz, Some(100.0));
        assert_eq!(m.test.kind, TestKind::Walk);
    }
}
