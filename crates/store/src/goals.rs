//! Care-plan goals: parsing `"single_leg_stance_s >= 10 each side"` and checking a session's
//! metrics against a goal. Pure (no database).

use serde::{Deserialize, Serialize};
use std::fmt;
use steady_core::{Metric, Side};

use crate::catalog;

/// The comparison of a goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GoalOp {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<`
    #[serde(rename = "<")]
    Lt,
}

impl GoalOp {
    /// The operator as written (`>=`, …; also the FHIR `Quantity.comparator` code).
    pub fn as_str(self) -> &'static str {
        match self {
            GoalOp::Ge => ">=",
            GoalOp::Le => "<=",
            GoalOp::Gt => ">",
            GoalOp::Lt => "<",
        }
    }

    /// Parses `>=`, `<=`, `>`, `<` (and `≥`, `≤`).
    pub fn parse(s: &str) -> Option<GoalOp> {
        match s {
            ">=" | "≥" => Some(GoalOp::Ge),
            "<=" | "≤" => Some(GoalOp::Le),
            ">" => Some(GoalOp::Gt),
            "<" => Some(GoalOp::Lt),
            _ => None,
        }
    }

    /// Whether `value op target` holds.
    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            GoalOp::Ge => value >= target,
            GoalOp::Le => value <= target,
            GoalOp::Gt => value > target,
            GoalOp::Lt => value < target,
        }
    }
}

/// Which side(s) a goal applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalSides {
    /// A value without side (gait speed).
    Any,
    /// The left value.
    Left,
    /// The right value.
    Right,
    /// Both the left and the right value must meet the target.
    Each,
}

impl GoalSides {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            GoalSides::Any => "any",
            GoalSides::Left => "left",
            GoalSides::Right => "right",
            GoalSides::Each => "each",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<GoalSides> {
        [
            GoalSides::Any,
            GoalSides::Left,
            GoalSides::Right,
            GoalSides::Each,
        ]
        .into_iter()
        .find(|g| g.as_str() == s)
    }

    /// The sides whose values are compared (`[None]` for a side-less goal).
    pub fn sides(self) -> Vec<Option<Side>> {
        match self {
            GoalSides::Any => vec![None],
            GoalSides::Left => vec![Some(Side::Left)],
            GoalSides::Right => vec![Some(Side::Right)],
            GoalSides::Each => vec![Some(Side::Left), Some(Side::Right)],
        }
    }
}

/// A goal as parsed, before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalSpec {
    /// Metric key (`balance.sls_hold_s`).
    pub metric: String,
    /// Comparison.
    pub op: GoalOp,
    /// Target value in `unit`.
    pub target: f64,
    /// UCUM unit of the target (the metric's unit).
    pub unit: String,
    /// Side(s).
    pub sides: GoalSides,
    /// The goal as the clinician wrote it.
    pub text: String,
    /// Due date `YYYY-MM-DD`, if set.
    pub due_date: Option<String>,
}

/// A goal that cannot be understood.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("goal `{text}`: {reason}")]
pub struct GoalParseError {
    /// The goal text.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

fn is_unit_word(w: &str, ucum: &str) -> bool {
    let w = w.to_ascii_lowercase();
    w == ucum.to_ascii_lowercase()
        || match ucum {
            "s" => matches!(w.as_str(), "sec" | "secs" | "second" | "seconds"),
            "/min" => matches!(w.as_str(), "steps/min" | "spm"),
            "m/s" => w == "mps",
            "%" => matches!(w.as_str(), "percent" | "pct"),
            "deg" => matches!(w.as_str(), "°" | "degrees"),
            "{#}/(30.s)" => matches!(w.as_str(), "stands" | "reps" | "{#}"),
            _ => false,
        }
}

/// Parses `<metric> <op> <number> [unit] [each side | both sides | left | right]`, e.g.
/// `single_leg_stance_s >= 10 each side`, `gait_speed_mps >= 1.0`, `stance_asymmetry_pct < 10`.
pub fn parse_goal(text: &str) -> Result<GoalSpec, GoalParseError> {
    let err = |reason: String| GoalParseError {
        text: text.to_string(),
        reason,
    };
    let ops = [">=", "<=", "≥", "≤", ">", "<"];
    let (pos, op_str) = ops
        .iter()
        .filter_map(|op| text.find(op).map(|p| (p, *op)))
        .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
        .ok_or_else(|| err("no comparison (use >=, <=, > or <)".into()))?;
    let op = GoalOp::parse(op_str).ok_or_else(|| err("bad comparison".into()))?;
    let name = text[..pos].trim();
    let info = catalog::lookup(name).ok_or_else(|| {
        let known: Vec<&str> = catalog::CATALOG
            .iter()
            .map(|m| m.aliases.first().copied().unwrap_or(m.key))
            .collect();
        err(format!(
            "unknown metric `{name}` (known: {})",
            known.join(", ")
        ))
    })?;
    let rest: Vec<&str> = text[pos + op_str.len()..].split_whitespace().collect();
    let (number, mut words) = rest
        .split_first()
        .ok_or_else(|| err("no target value after the comparison".into()))?;
    // Accept "10s" as well as "10 s".
    let num_end = number
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(number.len());
    let target: f64 = number[..num_end]
        .parse()
        .map_err(|_| err(format!("`{number}` is not a number")))?;
    if !target.is_finite() {
        return Err(err("target must be finite".into()));
    }
    let glued_unit = &number[num_end..];
    if !glued_unit.is_empty() && !is_unit_word(glued_unit, info.unit) {
        return Err(err(format!(
            "unit `{glued_unit}` does not match {} ({})",
            info.key, info.unit
        )));
    }
    if let Some(w) = words.first() {
        if is_unit_word(w, info.unit) {
            words = &words[1..];
        }
    }
    let side_text = words.join(" ").to_ascii_lowercase();
    let sides = match side_text.as_str() {
        "" if info.per_side => GoalSides::Each,
        "" => GoalSides::Any,
        "each side" | "both sides" | "each" | "both" | "per side" | "each leg" | "both legs" => {
            GoalSides::Each
        }
        "left" | "left side" | "left leg" => GoalSides::Left,
        "right" | "right side" | "right leg" => GoalSides::Right,
        other => {
            return Err(err(format!(
                "cannot read `{other}` (expected a unit ({}), `each side`, `left` or `right`)",
                info.unit
            )))
        }
    };
    if sides != GoalSides::Any && !info.per_side {
        return Err(err(format!("{} has no per-side values", info.key)));
    }
    Ok(GoalSpec {
        metric: info.key.to_string(),
        op,
        target,
        unit: info.unit.to_string(),
        sides,
        text: text.trim().to_string(),
        due_date: None,
    })
}

impl fmt::Display for GoalSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            catalog::display(&self.metric),
            self.op.as_str(),
            self.target,
            catalog::unit_display(&self.unit)
        )?;
        match self.sides {
            GoalSides::Any => Ok(()),
            GoalSides::Each => f.write_str(" each side"),
            GoalSides::Left => f.write_str(" (left)"),
            GoalSides::Right => f.write_str(" (right)"),
        }
    }
}

/// How one session measured up to a goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalCheck {
    /// The value per compared side (`None` side for side-less goals; `None` value if absent).
    pub values: Vec<(Option<Side>, Option<f64>)>,
    /// `Some(true)` when every compared value meets the target, `None` when a value is missing.
    pub met: Option<bool>,
}

/// Checks a session's metrics against a goal.
pub fn check(goal: &GoalSpec, metrics: &[Metric]) -> GoalCheck {
    let values: Vec<(Option<Side>, Option<f64>)> = goal
        .sides
        .sides()
        .into_iter()
        .map(|side| {
            let v = metrics
                .iter()
                .find(|m| m.key == goal.metric && m.side == side)
                .map(|m| m.value);
            (side, v)
        })
        .collect();
    let met = values
        .iter()
        .map(|(_, v)| v.map(|v| goal.op.holds(v, goal.target)))
        .collect::<Option<Vec<bool>>>()
        .map(|all| all.into_iter().all(|b| b));
    GoalCheck { values, met }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_examples() {
        let g = parse_goal("single_leg_stance_s >= 10 each side").unwrap();
        assert_eq!(g.metric, "balance.sls_hold_s");
        assert_eq!(
            (g.op, g.target, g.sides),
            (GoalOp::Ge, 10.0, GoalSides::Each)
        );
        assert_eq!(g.unit, "s");
        let g = parse_goal("gait_speed_mps >= 1.0 m/s").unwrap();
        assert_eq!(
            (g.metric.as_str(), g.sides),
            ("gait.speed_mps", GoalSides::Any)
        );
        let g = parse_goal("stance_asymmetry_pct<10").unwrap();
        assert_eq!((g.op, g.target), (GoalOp::Lt, 10.0));
        let g = parse_goal("tug_s <= 12s").unwrap();
        assert_eq!((g.metric.as_str(), g.target), ("tug.time_s", 12.0));
        let g = parse_goal("single_leg_stance_s ≥ 5 left").unwrap();
        assert_eq!((g.op, g.sides), (GoalOp::Ge, GoalSides::Left));
    }

    #[test]
    fn bad_goals_say_why() {
        let e = parse_goal("shoe_size >= 42").unwrap_err();
        assert!(e.reason.contains("unknown metric"), "{e}");
        assert!(parse_goal("gait_speed_mps about 1").is_err());
        assert!(parse_goal("gait_speed_mps >= fast").is_err());
        let e = parse_goal("gait_speed_mps >= 1 each side").unwrap_err();
        assert!(e.reason.contains("no per-side"), "{e}");
        let e = parse_goal("tug_s <= 12 m").unwrap_err();
        assert!(e.reason.contains("cannot read `m`"), "{e}");
    }

    #[test]
    fn each_side_needs_both_sides() {
        let g = parse_goal("single_leg_stance_s >= 10 each side").unwrap();
        let m = |side, v| Metric::new("balance.sls_hold_s", v, "s", "t").with_side(side);
        let c = check(&g, &[m(Side::Left, 12.0), m(Side::Right, 8.0)]);
        assert_eq!(c.met, Some(false));
        let c = check(&g, &[m(Side::Left, 12.0), m(Side::Right, 10.0)]);
        assert_eq!(c.met, Some(true));
        let c = check(&g, &[m(Side::Left, 12.0)]);
        assert_eq!(c.met, None);
        assert_eq!(c.values[1], (Some(Side::Right), None));
    }
}
