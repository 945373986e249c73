//! Cross-leg phases from per-leg (foot or shank) events on one timeline: initial and
//! terminal double support and single support of each stride (definitions as in
//! research/clinical.md 1.4, skdh / Perry):
//!
//! - stance of foot A runs from its IC (stride start) to its FC;
//! - initial double support (IDS) = first FC of foot B after A's IC − A's IC;
//! - single-limb support of A = the next IC of B − that FC of B (B is swinging);
//! - terminal double support (TDS) = A's FC − that IC of B.
//!
//! In the [`Stride`] schema `double_support_s` = IDS + TDS and `single_support_s` = the time
//! within the stride with one foot on the ground = B's swing inside A's stance + A's own
//! swing (so `single + double = stride duration`, as for the lower-back strides).
//! A stride gets both values only when B's FC and IC both fall inside A's stance (gait
//! initiation, turns and missed events leave them `None`).

use super::types::{EventKind, GaitEvent, Stride};

/// Fills `single_support_s` and `double_support_s` of every stride whose stance contains a
/// toe-off and then a heel strike of the other leg (`events` of both legs, any order).
pub fn fill_support(strides: &mut [Stride], events: &[GaitEvent]) {
    for s in strides.iter_mut() {
        let (Some(side), Some(stance), Some(swing)) = (s.side, s.stance_s, s.swing_s) else {
            continue;
        };
        let fc_this = s.start_s + stance;
        let other = side.opposite();
        let first = |kind: EventKind, after: f64| {
            events
                .iter()
                .filter(|e| e.kind == kind && e.side == Some(other))
                .map(|e| e.t_s)
                .filter(|&t| t > after && t < fc_this)
                .min_by(f64::total_cmp)
        };
        let Some(ofc) = first(EventKind::FinalContact, s.start_s) else {
            continue;
        };
        let Some(oic) = first(EventKind::InitialContact, ofc) else {
            continue;
        };
        let ids = ofc - s.start_s;
        let tds = fc_this - oic;
        s.double_support_s = Some(ids + tds);
        s.single_support_s = Some((oic - ofc) + swing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::Side;

    fn ev(kind: EventKind, side: Side, t_s: f64) -> GaitEvent {
        GaitEvent {
            kind,
            side: Some(side),
            t_s,
        }
    }

    #[test]
    fn phases_follow_the_textbook_definitions() {
        // Left: IC 0.0, FC 0.62, IC 1.0. Right: FC 0.12, IC 0.5, FC 1.12.
        let events = [
            ev(EventKind::InitialContact, Side::Left, 0.0),
            ev(EventKind::FinalContact, Side::Right, 0.12),
            ev(EventKind::InitialContact, Side::Right, 0.5),
            ev(EventKind::FinalContact, Side::Left, 0.62),
            ev(EventKind::InitialContact, Side::Left, 1.0),
            ev(EventKind::FinalContact, Side::Right, 1.12),
        ];
        let mut strides = [Stride {
            side: Some(Side::Left),
            start_s: 0.0,
            end_s: 1.0,
            stance_s: Some(0.62),
            swing_s: Some(0.38),
            single_support_s: None,
            double_support_s: None,
            length_m: None,
        }];
        fill_support(&mut strides, &events);
        // IDS 0.12 + TDS 0.12; single = right swing 0.38 + left swing 0.38.
        assert!((strides[0].double_support_s.unwrap() - 0.24).abs() < 1e-12);
        assert!((strides[0].single_support_s.unwrap() - 0.76).abs() < 1e-12);
        // Without the other foot's events nothing is claimed.
        let mut alone = strides;
        alone[0].double_support_s = None;
        alone[0].single_support_s = None;
        fill_support(&mut alone, &events[..1]);
        assert_eq!(alone[0].double_support_s, None);
    }
}
