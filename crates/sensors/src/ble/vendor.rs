//! Placeholder vendor table until `steady_protocol::vendors` lands: how each supported sensor
//! is recognised, which characteristics carry data and commands, and its configuration bytes.
//! Facts from `shared/research/sensors.md` (sources named there).

use serde::{Deserialize, Serialize};

use super::transport::{sig_uuid, Advert, Uuid128};

/// steady's own reference firmware service (placeholder until `steady_protocol` defines it).
pub const STEADY_SERVICE: Uuid128 = 0x5354_4400_0000_1000_8000_5354_4541_4459;
/// steady's own notify characteristic (placeholder).
pub const STEADY_DATA: Uuid128 = 0x5354_4401_0000_1000_8000_5354_4541_4459;
/// steady's own command characteristic (placeholder).
pub const STEADY_CONTROL: Uuid128 = 0x5354_4402_0000_1000_8000_5354_4541_4459;

/// WitMotion BLE 5.0 service `0000ffe5-0000-1000-8000-00805f9a34fb` (note the `9a`; sensors.md 1.1).
pub const WIT_SERVICE: Uuid128 = 0x0000ffe5_0000_1000_8000_00805f9a34fb;
/// WitMotion notify characteristic `0000ffe4-…-00805f9a34fb`.
pub const WIT_NOTIFY: Uuid128 = 0x0000ffe4_0000_1000_8000_00805f9a34fb;
/// WitMotion write characteristic `0000ffe9-…-00805f9a34fb`.
pub const WIT_WRITE: Uuid128 = 0x0000ffe9_0000_1000_8000_00805f9a34fb;

/// Movella DOT measurement service `15172000-4947-11e9-8646-d663bd873d93` (sensors.md 2.1).
pub const DOT_MEASUREMENT: Uuid128 = 0x15172000_4947_11e9_8646_d663bd873d93;
/// Movella DOT measurement control `15172001-…`.
pub const DOT_CONTROL: Uuid128 = 0x15172001_4947_11e9_8646_d663bd873d93;
/// Movella DOT medium payload `15172003-…` (Rate quantities).
pub const DOT_MEDIUM: Uuid128 = 0x15172003_4947_11e9_8646_d663bd873d93;

/// Battery Service 0x180F.
pub const BATTERY_SERVICE: Uuid128 = sig_uuid(0x180F);
/// Battery Level 0x2A19 (u8 percent).
pub const BATTERY_LEVEL: Uuid128 = sig_uuid(0x2A19);

/// A supported sensor family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// steady's own reference firmware.
    Steady,
    /// WitMotion WT901BLECL 5.0 / BWT901BLECL5.0 / WT9011DCL.
    WitMotion,
    /// Movella (Xsens) DOT, Rate quantities mode.
    MovellaDot,
}

/// One write the manager sends after subscribing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Characteristic to write.
    pub uuid: Uuid128,
    /// Bytes.
    pub value: Vec<u8>,
    /// Write request (true) or write command (false).
    pub with_response: bool,
}

impl Vendor {
    /// Every vendor, in display order.
    pub const ALL: [Vendor; 3] = [Vendor::Steady, Vendor::WitMotion, Vendor::MovellaDot];

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Steady => "steady",
            Vendor::WitMotion => "witmotion",
            Vendor::MovellaDot => "movella_dot",
        }
    }

    /// Recognises a vendor from an advertisement: service UUIDs first, then the name.
    pub fn recognise(advert: &Advert) -> Option<Vendor> {
        for v in Vendor::ALL {
            if advert.services.contains(&v.service()) {
                return Some(v);
            }
        }
        let name = advert.name.as_deref()?;
        if name.starts_with("Movella DOT") || name.starts_with("Xsens Dot") {
            Some(Vendor::MovellaDot)
        } else if name.starts_with("WT") {
            // The official WitMotion sample filters names containing "WT" (sensors.md 1.1).
            Some(Vendor::WitMotion)
        } else if name.starts_with("steady") {
            Some(Vendor::Steady)
        } else {
            None
        }
    }

    /// The primary service.
    pub fn service(self) -> Uuid128 {
        match self {
            Vendor::Steady => STEADY_SERVICE,
            Vendor::WitMotion => WIT_SERVICE,
            Vendor::MovellaDot => DOT_MEASUREMENT,
        }
    }

    /// The characteristic carrying IMU data.
    pub fn data_char(self) -> Uuid128 {
        match self {
            Vendor::Steady => STEADY_DATA,
            Vendor::WitMotion => WIT_NOTIFY,
            Vendor::MovellaDot => DOT_MEDIUM,
        }
    }

    /// Writes that configure the sensor and start streaming at about `rate_hz`, in order.
    pub fn configure(self, rate_hz: u32) -> Vec<Command> {
        match self {
            // Placeholder for steady's own start command until steady_protocol defines it.
            Vendor::Steady => vec![Command {
                uuid: STEADY_CONTROL,
                value: vec![0x01, (rate_hz.min(1000) / 10) as u8],
                with_response: true,
            }],
            Vendor::WitMotion => {
                // Unlock, rate, save (sensors.md 1.4; 200 Hz = 0x0B per the official SDKs).
                let code = match rate_hz {
                    0..=1 => 0x03,
                    2..=5 => 0x05,
                    6..=10 => 0x06,
                    11..=50 => 0x08,
                    51..=100 => 0x09,
                    _ => 0x0B,
                };
                [
                    vec![0xFF, 0xAA, 0x69, 0x88, 0xB5],
                    vec![0xFF, 0xAA, 0x03, code, 0x00],
                    vec![0xFF, 0xAA, 0x00, 0x00, 0x00],
                ]
                .into_iter()
                .map(|value| Command {
                    uuid: WIT_WRITE,
                    value,
                    with_response: false,
                })
                .collect()
            }
            // Start Rate quantities (mode 0x15) on 15172001 (sensors.md 2.2, test vector 5).
            Vendor::MovellaDot => vec![Command {
                uuid: DOT_CONTROL,
                value: vec![0x01, 0x01, 0x15],
                with_response: true,
            }],
        }
    }

    /// A cheap structural check of one notification (the full decoders live in
    /// `steady_protocol`); false means the notification is counted as malformed.
    pub fn plausible(self, bytes: &[u8]) -> bool {
        match self {
            Vendor::Steady => bytes.len() >= 4,
            // One or more 20-byte frames starting 55 61 or 55 71 (sensors.md 1.2, 1.3).
            Vendor::WitMotion => {
                !bytes.is_empty()
                    && bytes.chunks_exact(20).remainder().is_empty()
                    && bytes
                        .chunks(20)
                        .all(|f| f[0] == 0x55 && (f[1] == 0x61 || f[1] == 0x71))
            }
            // Medium payload: 28 bytes of Rate quantities, padded with zeros up to 40.
            Vendor::MovellaDot => (28..=40).contains(&bytes.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_by_service_then_name() {
        let wit = Advert {
            services: vec![WIT_SERVICE],
            ..Advert::default()
        };
        assert_eq!(Vendor::recognise(&wit), Some(Vendor::WitMotion));
        let dot = Advert {
            name: Some("Movella DOT".into()),
            ..Advert::default()
        };
        assert_eq!(Vendor::recognise(&dot), Some(Vendor::MovellaDot));
        let stranger = Advert {
            name: Some("Galaxy Buds".into()),
            services: vec![sig_uuid(0x180F)],
            ..Advert::default()
        };
        assert_eq!(Vendor::recognise(&stranger), None);
    }

    #[test]
    fn witmotion_uuid_uses_9a_tail_not_sig_base() {
        assert_ne!(WIT_SERVICE, sig_uuid(0xffe5));
    }

    #[test]
    fn witmotion_200hz_command_bytes() {
        let cmds = Vendor::WitMotion.configure(200);
        assert_eq!(cmds[0].value, [0xFF, 0xAA, 0x69, 0x88, 0xB5]);
        assert_eq!(cmds[1].value, [0xFF, 0xAA, 0x03, 0x0B, 0x00]);
        assert_eq!(cmds[2].value, [0xFF, 0xAA, 0x00, 0x00, 0x00]);
        assert_eq!(Vendor::WitMotion.configure(100)[1].value[3], 0x09);
    }

    #[test]
    fn witmotion_plausibility_accepts_batched_frames_only() {
        let frame = [
            0x55, 0x61, 0xFC, 0xFF, 0xEF, 0xFF, 0x11, 0x08, 0, 0, 0, 0, 0, 0, 0x98, 0xFF, 0x0D,
            0x00, 0xF8, 0x31,
        ];
        assert!(Vendor::WitMotion.plausible(&frame));
        assert!(Vendor::WitMotion.plausible(&frame.repeat(4)));
        assert!(!Vendor::WitMotion.plausible(&frame[..19]));
        let mut bad = frame;
        bad[1] = 0x62;
        assert!(!Vendor::WitMotion.plausible(&bad));
    }
}
