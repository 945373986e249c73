//! Pure link logic (no clock, no I/O): per-sensor state, exponential reconnect backoff, and
//! silence-based stall / link-loss detection. Time comes in as `now_us` from the caller.

use serde::{Deserialize, Serialize};

/// A sensor's connection state as shown to the rest of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorState {
    /// First connection attempt in progress.
    Connecting,
    /// Connected, subscribed and data arriving.
    Streaming,
    /// Connected but no data for longer than the stall threshold.
    Stalled,
    /// The link was lost; reconnecting (attempt number, from 1).
    Reconnecting {
        /// Reconnect attempt, from 1.
        attempt: u32,
    },
    /// Many reconnects failed in a row; still retrying at the longest backoff.
    Lost,
}

/// Timing policy of the connection manager.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkPolicy {
    /// Silence after which a connected sensor is reported stalled, µs.
    pub stall_after_us: u64,
    /// Silence after which the link is treated as lost and reconnected, µs.
    pub link_lost_after_us: u64,
    /// First reconnect delay, µs.
    pub backoff_initial_us: u64,
    /// Longest reconnect delay, µs.
    pub backoff_max_us: u64,
    /// Failed attempts in a row after which the state becomes [`SensorState::Lost`].
    pub lost_after_attempts: u32,
    /// Period of battery reads, µs.
    pub battery_period_us: u64,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        LinkPolicy {
            stall_after_us: 500_000,
            link_lost_after_us: 3_000_000,
            backoff_initial_us: 250_000,
            backoff_max_us: 8_000_000,
            lost_after_attempts: 6,
            battery_period_us: 60_000_000,
        }
    }
}

/// Exponential backoff: initial, ×2 per failure, capped at the maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial_us: u64,
    max_us: u64,
    failures: u32,
}

impl Backoff {
    /// A backoff from `initial_us` doubling up to `max_us`.
    pub fn new(initial_us: u64, max_us: u64) -> Self {
        Backoff {
            initial_us: initial_us.max(1),
            max_us: max_us.max(initial_us.max(1)),
            failures: 0,
        }
    }

    /// Records one failure and returns the delay before the next attempt, µs.
    pub fn next_delay_us(&mut self) -> u64 {
        let shift = self.failures.min(40);
        self.failures = self.failures.saturating_add(1);
        self.initial_us
            .saturating_mul(1u64 << shift)
            .min(self.max_us)
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Back to the initial delay (after a successful connection that streamed).
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What the silence watchdog says about a connected link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Data within the stall threshold (or still within the grace after subscribing).
    Streaming,
    /// Connected and subscribed but no data yet or for too long (below the loss threshold).
    Stalled,
    /// Silent for longer than the loss threshold: reconnect.
    LinkLost,
}

/// Watches arrival times of one connected link (btleplug sends no event when a device
/// simply disappears, so silence is the loss signal of last resort).
#[derive(Debug, Clone, PartialEq)]
pub struct Watchdog {
    stall_after_us: u64,
    lost_after_us: u64,
    since_us: u64,
    last_data_us: Option<u64>,
}

impl Watchdog {
    /// Starts watching a link that finished subscribing at `now_us`.
    pub fn new(policy: &LinkPolicy, now_us: u64) -> Self {
        Watchdog {
            stall_after_us: policy.stall_after_us,
            lost_after_us: policy.link_lost_after_us.max(policy.stall_after_us),
            since_us: now_us,
            last_data_us: None,
        }
    }

    /// Records a data notification at `now_us`.
    pub fn on_data(&mut self, now_us: u64) {
        self.last_data_us = Some(now_us);
    }

    /// Whether any data arrived on this link.
    pub fn has_streamed(&self) -> bool {
        self.last_data_us.is_some()
    }

    /// The link's health at `now_us`.
    pub fn check(&self, now_us: u64) -> Health {
        let silent_us = now_us.saturating_sub(self.last_data_us.unwrap_or(self.since_us));
        // A sensor that never streamed stays connected and stalled: reconnecting would not
        // help it and would hide the problem; only a link that streamed and went silent is
        // treated as lost.
        if silent_us >= self.lost_after_us && self.last_data_us.is_some() {
            Health::LinkLost
        } else if silent_us >= self.stall_after_us {
            Health::Stalled
        } else {
            Health::Streaming
        }
    }
}

/// The state to show while (re)connecting after `failures` failed attempts in a row.
pub fn connecting_state(ever_connected: bool, failures: u32, policy: &LinkPolicy) -> SensorState {
    if failures >= policy.lost_after_attempts {
        SensorState::Lost
    } else if !ever_connected && failures == 0 {
        SensorState::Connecting
    } else {
        SensorState::Reconnecting {
            attempt: failures.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let mut b = Backoff::new(250_000, 2_000_000);
        let d: Vec<u64> = (0..6).map(|_| b.next_delay_us()).collect();
        assert_eq!(
            d,
            [250_000, 500_000, 1_000_000, 2_000_000, 2_000_000, 2_000_000]
        );
        assert_eq!(b.failures(), 6);
        b.reset();
        assert_eq!(b.next_delay_us(), 250_000);
    }

    #[test]
    fn backoff_never_overflows() {
        let mut b = Backoff::new(u64::MAX / 2, u64::MAX);
        let d: Vec<u64> = (0..100).map(|_| b.next_delay_us()).collect();
        assert_eq!(d[0], u64::MAX / 2);
        assert!(d.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(d[99], u64::MAX);
    }

    fn policy() -> LinkPolicy {
        LinkPolicy {
            stall_after_us: 500,
            link_lost_after_us: 2_000,
            ..LinkPolicy::default()
        }
    }

    #[test]
    fn watchdog_streaming_stalled_lost() {
        let mut w = Watchdog::new(&policy(), 1_000);
        assert_eq!(w.check(1_100), Health::Streaming, "grace after subscribe");
        w.on_data(1_200);
        assert_eq!(w.check(1_600), Health::Streaming);
        assert_eq!(w.check(1_700), Health::Stalled);
        assert_eq!(w.check(3_199), Health::Stalled);
        assert_eq!(w.check(3_200), Health::LinkLost);
        w.on_data(3_300);
        assert_eq!(w.check(3_400), Health::Streaming);
    }

    #[test]
    fn never_streaming_sensor_is_stalled_not_lost() {
        let w = Watchdog::new(&policy(), 0);
        assert!(!w.has_streamed());
        assert_eq!(w.check(499), Health::Streaming);
        assert_eq!(w.check(500), Health::Stalled);
        assert_eq!(w.check(1_000_000), Health::Stalled);
    }

    #[test]
    fn connecting_states_progress_to_lost() {
        let p = LinkPolicy {
            lost_after_attempts: 3,
            ..LinkPolicy::default()
        };
        assert_eq!(connecting_state(false, 0, &p), SensorState::Connecting);
        assert_eq!(
            connecting_state(true, 0, &p),
            SensorState::Reconnecting { attempt: 1 }
        );
        assert_eq!(
            connecting_state(false, 2, &p),
            SensorState::Reconnecting { attempt: 2 }
        );
        assert_eq!(connecting_state(true, 3, &p), SensorState::Lost);
    }
}
