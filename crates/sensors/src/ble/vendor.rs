//! The supported sensor families: recognition from an advertisement, and each family's GATT
//! plan for one link (characteristics to subscribe, configuration writes with their command
//! bytes, how the battery is read). Steady's own UUIDs and commands come from
//! `steady_protocol::{gatt, command}`; the off-the-shelf families' from
//! `steady_protocol::vendors` (facts and sources in `shared/research/sensors.md`).
//! Decoding lives in [`crate::driver`].

use serde::{Deserialize, Serialize};
use steady_protocol::vendors::{self as pv, dot, metawear, polar, thingy, witmotion};
use steady_protocol::{gatt, Command as SteadyCommand, CommandFrame, SampleRate, StreamConfig};

use super::transport::{sig_uuid, Advert, CharInfo, Uuid128};

/// steady's own reference firmware service (`steady_protocol::gatt`).
pub const STEADY_SERVICE: Uuid128 = gatt::SERVICE_UUID;
/// steady's data characteristic (notify: one data frame per notification).
pub const STEADY_DATA: Uuid128 = gatt::DATA_CHAR_UUID;
/// steady's command characteristic (write).
pub const STEADY_CONTROL: Uuid128 = gatt::COMMAND_CHAR_UUID;
/// steady's status characteristic (notify + read: battery, acks).
pub const STEADY_STATUS: Uuid128 = gatt::STATUS_CHAR_UUID;

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
    #[serde(rename = "witmotion", alias = "wit_motion")]
    WitMotion,
    /// Movella (Xsens) DOT, Rate quantities mode.
    MovellaDot,
    /// MbientLab MetaMotion (MetaWear; BMI160 or BMI270).
    #[serde(rename = "metawear")]
    MetaWear,
    /// Polar Verity Sense (PMD ACC + GYRO).
    PolarVeritySense,
    /// Nordic Thingy:52 (raw motion).
    #[serde(rename = "thingy52")]
    Thingy52,
}

/// One write the manager sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Characteristic to write.
    pub uuid: Uuid128,
    /// Bytes.
    pub value: Vec<u8>,
    /// Write request (true) or write command (false).
    pub with_response: bool,
}

/// How a family's battery level is polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatteryRead {
    /// Read this characteristic; [`crate::driver::Driver::on_battery_read`] parses the value.
    Gatt(Uuid128),
    /// Write this command; the answer arrives as a notification the driver parses.
    Command(Command),
    /// Not readable.
    None,
}

/// What to do on one link, in order: configure, subscribe, then write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Configuration writes before any subscription (settings a sensor applies only when
    /// its stream is off, e.g. Thingy:52's motion rate), in order.
    pub configure: Vec<Command>,
    /// Characteristics to enable notifications on, in order.
    pub subscribe: Vec<Uuid128>,
    /// Characteristics whose notifications carry IMU data (the silence watchdog watches them).
    pub data: Vec<Uuid128>,
    /// Configuration writes after subscribing (rate, ranges, start streaming), in order.
    pub writes: Vec<Command>,
    /// Battery polling.
    pub battery: BatteryRead,
}

/// Why a link cannot be set up for a family.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Service discovery did not find a characteristic the family needs.
    #[error("no characteristic {0:032x} (is this really a {1} sensor?)")]
    MissingCharacteristic(Uuid128, &'static str),
}

/// Rate and ranges steady asks of its own firmware for a requested rate.
pub fn steady_config(rate_hz: u32) -> StreamConfig {
    let rate = SampleRate::ALL
        .into_iter()
        .min_by(|a, b| {
            let d = |r: &SampleRate| (r.hz() - f64::from(rate_hz)).abs();
            d(a).total_cmp(&d(b))
        })
        .unwrap_or(SampleRate::Hz100);
    StreamConfig {
        rate,
        ..StreamConfig::default()
    }
}

/// The WitMotion output rate nearest to `rate_hz` (§1.4 codes).
pub fn witmotion_rate(rate_hz: u32) -> witmotion::Rate {
    use witmotion::Rate::*;
    [Hz1, Hz5, Hz10, Hz20, Hz50, Hz100, Hz200]
        .into_iter()
        .min_by(|a, b| {
            (a.hz() - rate_hz as f32)
                .abs()
                .total_cmp(&(b.hz() - rate_hz as f32).abs())
        })
        .unwrap_or(Hz100)
}

/// The highest Movella DOT real-time rate not above `rate_hz` (60 Hz at most, §2.4).
pub fn dot_rate_hz(rate_hz: u32) -> u16 {
    dot::ALLOWED_RATES_HZ
        .into_iter()
        .filter(|&r| u32::from(r) <= rate_hz.max(1))
        .max()
        .unwrap_or(1)
}

/// Thingy:52 raw motion rate: the firmware accepts 5–200 Hz (§3.3).
pub fn thingy_rate_hz(rate_hz: u32) -> u16 {
    rate_hz.clamp(5, 200) as u16
}

/// Polar Verity Sense rate: 52 Hz, the only ACC/GYRO rate outside SDK mode (§5.4; SDK mode's
/// start bytes are unverified, so it is not used).
pub const POLAR_RATE_HZ: u16 = 52;
/// MetaWear rate: 100 Hz ("you cannot reliably stream faster than 100 Hz", §4.4), packed.
pub const METAWEAR_RATE_HZ: u32 = 100;

fn cmd(uuid: Uuid128, with_response: bool, f: impl FnOnce(&mut [u8]) -> usize) -> Command {
    let mut buf = [0u8; 64];
    let n = f(&mut buf);
    Command {
        uuid,
        value: buf[..n].to_vec(),
        with_response,
    }
}

/// A steady command frame as a write to the command characteristic.
pub fn steady_command(request_id: u8, command: SteadyCommand) -> Command {
    cmd(STEADY_CONTROL, true, |b| {
        CommandFrame {
            request_id,
            command,
        }
        .encode(b)
        .unwrap_or(0)
    })
}

/// Polar start settings for a stream at the plan's rate.
pub fn polar_settings(stream: polar::Stream) -> polar::StartSettings {
    polar::StartSettings {
        sample_rate_hz: POLAR_RATE_HZ,
        resolution_bits: 16,
        range: match stream {
            polar::Stream::Acc => 8,
            polar::Stream::Gyro => 2000,
        },
        channels: None,
    }
}

impl Vendor {
    /// Every vendor, in display order.
    pub const ALL: [Vendor; 6] = [
        Vendor::Steady,
        Vendor::WitMotion,
        Vendor::MovellaDot,
        Vendor::MetaWear,
        Vendor::PolarVeritySense,
        Vendor::Thingy52,
    ];

    /// Snake-case name (as in the registry file and `--vendor`).
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Steady => "steady",
            Vendor::WitMotion => "witmotion",
            Vendor::MovellaDot => "movella_dot",
            Vendor::MetaWear => "metawear",
            Vendor::PolarVeritySense => "polar_verity_sense",
            Vendor::Thingy52 => "thingy52",
        }
    }

    /// Recognises a vendor from an advertisement (or cached services): steady's own service
    /// UUID or name first, then `steady_protocol::vendors::recognise` (service UUIDs, company
    /// id, then name).
    pub fn recognise(advert: &Advert) -> Option<Vendor> {
        if advert.services.contains(&STEADY_SERVICE) {
            return Some(Vendor::Steady);
        }
        let ids: Vec<u16> = advert.manufacturer_data.iter().map(|(id, _)| *id).collect();
        let ad = pv::Advertisement {
            local_name: advert.name.as_deref(),
            service_uuids: &advert.services,
            manufacturer_ids: &ids,
        };
        match pv::recognise(&ad) {
            Some(v) => Some(Vendor::from_protocol(v)),
            None if advert
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("steady")) =>
            {
                Some(Vendor::Steady)
            }
            None => None,
        }
    }

    /// The sensors-crate vendor of a `steady_protocol` vendor.
    pub fn from_protocol(v: pv::Vendor) -> Vendor {
        match v {
            pv::Vendor::WitMotion => Vendor::WitMotion,
            pv::Vendor::MovellaDot => Vendor::MovellaDot,
            pv::Vendor::MetaWear => Vendor::MetaWear,
            pv::Vendor::PolarVeritySense => Vendor::PolarVeritySense,
            pv::Vendor::Thingy52 => Vendor::Thingy52,
        }
    }

    /// The primary (advertised) service.
    pub fn service(self) -> Uuid128 {
        match self {
            Vendor::Steady => STEADY_SERVICE,
            Vendor::WitMotion => witmotion::SERVICE_UUID,
            Vendor::MovellaDot => dot::MEASUREMENT_SERVICE_UUID,
            Vendor::MetaWear => metawear::SERVICE_UUID,
            Vendor::PolarVeritySense => polar::PMD_SERVICE_UUID,
            Vendor::Thingy52 => thingy::MOTION_SERVICE_UUID,
        }
    }

    /// The characteristic carrying IMU data (WitMotion dual-mode boards use
    /// [`witmotion::DUAL_NOTIFY_UUID`] instead; see [`Vendor::plan`]).
    pub fn data_char(self) -> Uuid128 {
        match self {
            Vendor::Steady => STEADY_DATA,
            Vendor::WitMotion => witmotion::NOTIFY_UUID,
            Vendor::MovellaDot => dot::MEDIUM_PAYLOAD_UUID,
            Vendor::MetaWear => metawear::NOTIFY_UUID,
            Vendor::PolarVeritySense => polar::PMD_DATA_UUID,
            Vendor::Thingy52 => thingy::RAW_DATA_UUID,
        }
    }

    /// The nominal sample rate the plan configures for a requested `rate_hz`.
    pub fn nominal_rate_hz(self, rate_hz: u32) -> f64 {
        match self {
            Vendor::Steady => steady_config(rate_hz).rate.hz(),
            Vendor::WitMotion => f64::from(witmotion_rate(rate_hz).hz()),
            Vendor::MovellaDot => f64::from(dot_rate_hz(rate_hz)),
            Vendor::MetaWear => f64::from(METAWEAR_RATE_HZ),
            Vendor::PolarVeritySense => f64::from(POLAR_RATE_HZ),
            Vendor::Thingy52 => f64::from(thingy_rate_hz(rate_hz)),
        }
    }

    /// The link plan at about `rate_hz`, given the characteristics service discovery found.
    /// MetaWear's plan only asks for the IMU chip; the driver sends the chip's configuration
    /// when the answer arrives ([`crate::driver::Driver::take_writes`]).
    pub fn plan(self, rate_hz: u32, chars: &[CharInfo]) -> Result<Plan, PlanError> {
        let has = |u: Uuid128| chars.iter().any(|c| c.uuid == u);
        let need = |u: Uuid128| {
            if has(u) {
                Ok(u)
            } else {
                Err(PlanError::MissingCharacteristic(u, self.as_str()))
            }
        };
        let bas = if has(BATTERY_LEVEL) {
            BatteryRead::Gatt(BATTERY_LEVEL)
        } else {
            BatteryRead::None
        };
        Ok(match self {
            Vendor::Steady => {
                let data = need(STEADY_DATA)?;
                need(STEADY_CONTROL)?;
                let mut subscribe = vec![data];
                let mut battery = bas;
                if has(STEADY_STATUS) {
                    subscribe.push(STEADY_STATUS);
                    if battery == BatteryRead::None {
                        battery =
                            BatteryRead::Command(steady_command(3, SteadyCommand::QueryBattery));
                    }
                }
                Plan {
                    configure: Vec::new(),
                    subscribe,
                    data: vec![data],
                    writes: vec![
                        steady_command(1, SteadyCommand::SetConfig(steady_config(rate_hz))),
                        steady_command(
                            2,
                            SteadyCommand::StartStreaming {
                                samples_per_frame: 0,
                            },
                        ),
                    ],
                    battery,
                }
            }
            Vendor::WitMotion => {
                // BLE 5.0 UUIDs, or the dual-mode (ISSC UART) ones (§1.1).
                let (notify, write) =
                    if has(witmotion::NOTIFY_UUID) || !has(witmotion::DUAL_NOTIFY_UUID) {
                        (need(witmotion::NOTIFY_UUID)?, need(witmotion::WRITE_UUID)?)
                    } else {
                        (
                            need(witmotion::DUAL_NOTIFY_UUID)?,
                            need(witmotion::DUAL_WRITE_UUID)?,
                        )
                    };
                // Unlock before every write, then the rate (§1.4). Streaming starts with the
                // notifications, at the rate the module holds then (no start command, §1.1),
                // so the rate goes first. Not saved: flash is left alone.
                let rate = witmotion_rate(rate_hz);
                Plan {
                    configure: vec![
                        cmd(write, false, |b| witmotion::unlock(b).unwrap_or(0)),
                        cmd(write, false, |b| witmotion::set_rate(rate, b).unwrap_or(0)),
                    ],
                    subscribe: vec![notify],
                    data: vec![notify],
                    writes: Vec::new(),
                    battery: BatteryRead::Command(cmd(write, false, |b| {
                        witmotion::read_register(witmotion::REG_BATTERY, b).unwrap_or(0)
                    })),
                }
            }
            Vendor::MovellaDot => {
                let data = need(dot::MEDIUM_PAYLOAD_UUID)?;
                let control = need(dot::CONTROL_UUID)?;
                let mut writes = Vec::new();
                // Output rate before measurement starts (§2.4); then start (§2.2).
                if has(dot::DEVICE_CONTROL_UUID) {
                    let r = dot_rate_hz(rate_hz);
                    writes.push(cmd(dot::DEVICE_CONTROL_UUID, true, |b| {
                        dot::set_output_rate(r, b).unwrap_or(0)
                    }));
                }
                writes.push(cmd(control, true, |b| dot::start_streaming(b).unwrap_or(0)));
                Plan {
                    configure: Vec::new(),
                    subscribe: vec![data],
                    data: vec![data],
                    writes,
                    battery: if has(dot::BATTERY_UUID) {
                        BatteryRead::Gatt(dot::BATTERY_UUID)
                    } else {
                        bas
                    },
                }
            }
            Vendor::MetaWear => {
                let notify = need(metawear::NOTIFY_UUID)?;
                let command = need(metawear::COMMAND_UUID)?;
                Plan {
                    configure: Vec::new(),
                    subscribe: vec![notify],
                    data: vec![notify],
                    writes: vec![cmd(command, false, |b| {
                        metawear::read_acc_module_info(b).unwrap_or(0)
                    })],
                    battery: BatteryRead::Command(cmd(command, false, |b| {
                        metawear::read_battery(b).unwrap_or(0)
                    })),
                }
            }
            Vendor::PolarVeritySense => {
                let cp = need(polar::PMD_CONTROL_POINT_UUID)?;
                let data = need(polar::PMD_DATA_UUID)?;
                let start = |s: polar::Stream| {
                    cmd(cp, true, |b| {
                        polar::start(s, &polar_settings(s), b).unwrap_or(0)
                    })
                };
                Plan {
                    configure: Vec::new(),
                    // Both CP (responses carry the factor) and data before starting (§5.1).
                    subscribe: vec![cp, data],
                    data: vec![data],
                    writes: vec![start(polar::Stream::Acc), start(polar::Stream::Gyro)],
                    battery: bas,
                }
            }
            Vendor::Thingy52 => {
                let raw = need(thingy::RAW_DATA_UUID)?;
                // The rate is set before raw notifications are enabled: the raw stream starts
                // with the notifications, at whatever motion_freq_hz then holds (§3.3).
                let mut configure = Vec::new();
                if has(thingy::MOTION_CONFIG_UUID) {
                    let c = thingy::MotionConfig {
                        pedo_interval_ms: 1000,
                        temp_interval_ms: 500,
                        compass_interval_ms: 500,
                        motion_freq_hz: thingy_rate_hz(rate_hz),
                        wake_on_motion: false,
                    };
                    configure.push(cmd(thingy::MOTION_CONFIG_UUID, true, |b| {
                        thingy::motion_config(&c, b).unwrap_or(0)
                    }));
                }
                Plan {
                    configure,
                    subscribe: vec![raw],
                    data: vec![raw],
                    writes: Vec::new(),
                    battery: bas,
                }
            }
        })
    }
}

/// MetaWear configuration for the chip the board reported: acc and gyro at 100 Hz, ±16 g,
/// ±2000 °/s, packed (3 samples per notification), enabled and started (§4.2, §4.3).
/// BMI270's gyro config byte is not known (sensors.md), so its gyro runs at the SDK default
/// (100 Hz, ±2000 °/s, §4.3).
pub fn metawear_start(chip: metawear::Chip) -> Vec<Command> {
    use metawear::*;
    let w = |f: &dyn Fn(&mut [u8]) -> Result<usize, pv::DecodeError>| {
        cmd(COMMAND_UUID, false, |b| f(b).unwrap_or(0))
    };
    let mut v = vec![w(&|b| acc_config(chip, Odr::Hz100, AccRange::G16, b))];
    if chip == Chip::Bmi160 {
        v.push(w(&|b| gyr_config(chip, Odr::Hz100, GyrRange::Dps2000, b)));
    }
    v.extend([
        w(&|b| acc_subscribe(chip, true, b)),
        w(&|b| gyr_subscribe(chip, true, b)),
        w(&acc_enable),
        w(&gyr_enable),
        w(&gyr_start),
        w(&acc_start),
    ]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(uuids: &[Uuid128]) -> Vec<CharInfo> {
        uuids
            .iter()
            .map(|&uuid| CharInfo {
                service: 0,
                uuid,
                notify: true,
                write: true,
                read: true,
            })
            .collect()
    }

    #[test]
    fn recognises_every_family_and_ignores_strangers() {
        let by_service = |s: Uuid128| Advert {
            services: vec![s],
            ..Advert::default()
        };
        for v in Vendor::ALL {
            assert_eq!(
                Vendor::recognise(&by_service(v.service())),
                Some(v),
                "{v:?}"
            );
        }
        let dot = Advert {
            name: Some("Movella DOT".into()),
            ..Advert::default()
        };
        assert_eq!(Vendor::recognise(&dot), Some(Vendor::MovellaDot));
        let steady = Advert {
            name: Some("steady-3".into()),
            ..Advert::default()
        };
        assert_eq!(Vendor::recognise(&steady), Some(Vendor::Steady));
        let stranger = Advert {
            name: Some("Galaxy Buds".into()),
            services: vec![sig_uuid(0x180F)],
            ..Advert::default()
        };
        assert_eq!(Vendor::recognise(&stranger), None);
        // WitMotion's "9a" tail: the SIG-base lookalike is not WitMotion (sensors.md §1.1).
        assert_eq!(Vendor::recognise(&by_service(sig_uuid(0xffe5))), None);
    }

    #[test]
    fn steady_uuids_are_the_protocol_ones() {
        assert_eq!(STEADY_SERVICE, 0xd46d0001_3f50_4143_91f2_022bf9e83aa1);
        assert_eq!(STEADY_DATA, 0xd46d0002_3f50_4143_91f2_022bf9e83aa1);
        let p = Vendor::Steady
            .plan(200, &chars(&[STEADY_DATA, STEADY_CONTROL]))
            .unwrap();
        let frames: Vec<CommandFrame> = p
            .writes
            .iter()
            .map(|c| CommandFrame::decode(&c.value).unwrap())
            .collect();
        assert_eq!(
            frames[0].command,
            SteadyCommand::SetConfig(StreamConfig {
                rate: SampleRate::Hz200,
                ..StreamConfig::default()
            })
        );
        assert_eq!(
            frames[1].command,
            SteadyCommand::StartStreaming {
                samples_per_frame: 0
            }
        );
    }

    #[test]
    fn witmotion_200hz_command_bytes() {
        let p = Vendor::WitMotion
            .plan(
                200,
                &chars(&[witmotion::NOTIFY_UUID, witmotion::WRITE_UUID]),
            )
            .unwrap();
        // sensors.md §10 vector 4.
        assert_eq!(p.configure[0].value, [0xFF, 0xAA, 0x69, 0x88, 0xB5]);
        assert_eq!(p.configure[1].value, [0xFF, 0xAA, 0x03, 0x0B, 0x00]);
        assert!(p.configure.iter().all(|w| w.uuid == witmotion::WRITE_UUID));
        assert!(p.writes.is_empty(), "no start command");
        assert_eq!(
            p.battery,
            BatteryRead::Command(Command {
                uuid: witmotion::WRITE_UUID,
                value: vec![0xFF, 0xAA, 0x27, 0x64, 0x00],
                with_response: false
            })
        );
        let p = Vendor::WitMotion
            .plan(
                100,
                &chars(&[witmotion::DUAL_NOTIFY_UUID, witmotion::DUAL_WRITE_UUID]),
            )
            .unwrap();
        assert_eq!(p.subscribe, vec![witmotion::DUAL_NOTIFY_UUID]);
        assert_eq!(p.configure[1].value, [0xFF, 0xAA, 0x03, 0x09, 0x00]);
    }

    #[test]
    fn dot_rate_and_start_bytes() {
        assert_eq!(dot_rate_hz(100), 60);
        assert_eq!(dot_rate_hz(25), 20);
        let p = Vendor::MovellaDot
            .plan(
                30,
                &chars(&[
                    dot::MEDIUM_PAYLOAD_UUID,
                    dot::CONTROL_UUID,
                    dot::DEVICE_CONTROL_UUID,
                ]),
            )
            .unwrap();
        assert_eq!(p.writes[0].value.len(), 32);
        assert_eq!(p.writes[0].value[24], 0x1E); // vector 7
        assert_eq!(p.writes[1].value, [0x01, 0x01, 0x15]); // vector 5
        assert_eq!(p.writes[1].uuid, dot::CONTROL_UUID);
    }

    #[test]
    fn missing_characteristic_is_a_typed_error() {
        assert_eq!(
            Vendor::Thingy52.plan(100, &chars(&[])),
            Err(PlanError::MissingCharacteristic(
                thingy::RAW_DATA_UUID,
                "thingy52"
            ))
        );
    }

    #[test]
    fn thingy_polar_metawear_plans() {
        let p = Vendor::Thingy52
            .plan(
                100,
                &chars(&[
                    thingy::RAW_DATA_UUID,
                    thingy::MOTION_CONFIG_UUID,
                    BATTERY_LEVEL,
                ]),
            )
            .unwrap();
        // sensors.md §10 vector 11 (100 Hz; wake-on-motion off), before the subscription.
        assert_eq!(
            p.configure[0].value,
            [0xE8, 0x03, 0xF4, 0x01, 0xF4, 0x01, 0x64, 0x00, 0x00]
        );
        assert!(p.writes.is_empty());
        assert_eq!(p.battery, BatteryRead::Gatt(BATTERY_LEVEL));
        let p = Vendor::PolarVeritySense
            .plan(
                100,
                &chars(&[polar::PMD_CONTROL_POINT_UUID, polar::PMD_DATA_UUID]),
            )
            .unwrap();
        assert_eq!(
            p.subscribe,
            vec![polar::PMD_CONTROL_POINT_UUID, polar::PMD_DATA_UUID]
        );
        // Verity gyro 52 Hz / 16 bit / 2000 °/s as seen in public clients (sensors.md §5.2).
        assert_eq!(
            p.writes[1].value,
            [0x02, 0x05, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0xD0, 0x07]
        );
        let p = Vendor::MetaWear
            .plan(
                100,
                &chars(&[metawear::NOTIFY_UUID, metawear::COMMAND_UUID]),
            )
            .unwrap();
        assert_eq!(p.writes[0].value, [0x03, 0x80]);
        let start = metawear_start(metawear::Chip::Bmi160);
        assert_eq!(start[0].value, [0x03, 0x03, 0x28, 0x0C]); // vector 16
        assert_eq!(start[1].value, [0x13, 0x03, 0x28, 0x00]);
        assert_eq!(start.last().unwrap().value, [0x03, 0x01, 0x01]);
        assert!(metawear_start(metawear::Chip::Bmi270)
            .iter()
            .all(|c| c.value[..2] != [0x13, 0x03]));
    }

    #[test]
    fn names_round_trip_through_serde() {
        for v in Vendor::ALL {
            let s = serde_json::to_string(&v).unwrap();
            assert_eq!(s, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<Vendor>(&s).unwrap(), v);
        }
    }
}
