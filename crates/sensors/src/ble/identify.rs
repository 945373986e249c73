//! Making a sensor show itself (blink or vibrate) where its family has such a command. One
//! implementation for `steady sensors identify` and the daemon's `sensor_identify`.
//!
//! - steady's firmware: its identify command (`steady_protocol::Command::Identify`, 5 s) on
//!   the command characteristic.
//! - Movella DOT: the identify field of its device control characteristic 15171002 (the LED
//!   blinks for 10 s; `steady_protocol::vendors::dot::identify`, spec XD0506P rev C table 7).
//! - The other families: no identify command is known to steady, which says so.
//!
//! A sensor that is already connected (e.g. streaming to the daemon) gets the command on that
//! link, which stays up; otherwise it is connected for the command only.

use std::time::Duration;

use steady_protocol::vendors::dot;
use steady_protocol::Command as SteadyCommand;

use super::transport::{Address, BleCentral, BleError, BlePeripheral};
use super::vendor::{steady_command, Command, Vendor};

/// How long a steady sensor shows itself, s.
pub const STEADY_IDENTIFY_S: u8 = 5;
/// Request id of steady's identify command (acks on the status characteristic echo it).
const STEADY_IDENTIFY_REQUEST_ID: u8 = 0x1D;

/// The write that identifies a sensor of one family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifyCommand {
    /// The write.
    pub command: Command,
    /// How long the sensor then shows itself, s.
    pub duration_s: u8,
    /// What the sensor does (for the user).
    pub shows: &'static str,
}

/// Why an identify did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifyError {
    /// The family has no identify command steady knows.
    #[error(
        "{} sensors have no identify (blink or vibrate) command steady knows; tell them apart \
         by moving one and watching its live signal",
        .0.as_str()
    )]
    Unsupported(Vendor),
    /// The Bluetooth stack failed (connect, discover or write).
    #[error(transparent)]
    Ble(#[from] BleError),
    /// No answer in time.
    #[error("no answer within {0} s")]
    Timeout(u64),
}

/// The identify write of a family, or why there is none.
pub fn identify_command(vendor: Vendor) -> Result<IdentifyCommand, IdentifyError> {
    match vendor {
        Vendor::Steady => Ok(IdentifyCommand {
            command: steady_command(
                STEADY_IDENTIFY_REQUEST_ID,
                SteadyCommand::Identify {
                    duration_s: STEADY_IDENTIFY_S,
                },
            ),
            duration_s: STEADY_IDENTIFY_S,
            shows: "its LED blinks",
        }),
        Vendor::MovellaDot => {
            let mut buf = [0u8; dot::DEVICE_CONTROL_LEN];
            let n = dot::identify(&mut buf).map_err(|e| BleError::Stack(e.to_string()))?;
            Ok(IdentifyCommand {
                command: Command {
                    uuid: dot::DEVICE_CONTROL_UUID,
                    value: buf[..n].to_vec(),
                    // The characteristic is read + write (no write without response).
                    with_response: true,
                },
                duration_s: dot::IDENTIFY_S,
                shows: "its LED blinks fast in red",
            })
        }
        v => Err(IdentifyError::Unsupported(v)),
    }
}

/// What an identify did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    /// The command written.
    pub command: IdentifyCommand,
    /// The sensor was already connected (its link was used and stays up).
    pub on_existing_link: bool,
}

impl Identified {
    /// One line for the user.
    pub fn note(&self) -> String {
        format!(
            "identify command sent (write acknowledged): {} for {} s",
            self.command.shows, self.command.duration_s
        )
    }
}

/// Identifies the sensor `address` of family `vendor` through `central` (the stack must know
/// the device: seen in a scan, or connected). Gives up after `timeout`.
pub async fn identify<C: BleCentral>(
    central: &C,
    address: Address,
    vendor: Vendor,
    timeout: Duration,
) -> Result<Identified, IdentifyError> {
    let command = identify_command(vendor)?;
    let work = async {
        let p = central.peripheral(address).await?;
        let was_connected = p.is_connected().await.unwrap_or(false);
        if !was_connected {
            p.connect().await?;
        }
        // This handle's own view of the services (also when the link is shared).
        let r = async {
            let chars = p.discover().await?;
            if !chars.iter().any(|c| c.uuid == command.command.uuid) {
                return Err(BleError::MissingCharacteristic(
                    address,
                    command.command.uuid,
                ));
            }
            p.write(
                command.command.uuid,
                &command.command.value,
                command.command.with_response,
            )
            .await
        }
        .await;
        if !was_connected {
            let _ = p.disconnect().await;
        }
        r.map(|()| was_connected)
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(on_existing_link)) => Ok(Identified {
            command,
            on_existing_link,
        }),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(IdentifyError::Timeout(timeout.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ble::mock::MockCentral;
    use crate::ble::transport::{Advert, CharInfo};
    use crate::ble::vendor::{STEADY_CONTROL, STEADY_SERVICE};
    use steady_protocol::CommandFrame;

    fn ch(service: u128, uuid: u128) -> CharInfo {
        CharInfo {
            service,
            uuid,
            notify: false,
            write: true,
            read: true,
        }
    }

    fn advert(a: Address, name: &str) -> Advert {
        Advert {
            address: Some(a),
            name: Some(name.into()),
            ..Advert::default()
        }
    }

    #[test]
    fn only_steady_and_dot_have_an_identify_and_the_others_say_why() {
        let c = identify_command(Vendor::Steady).unwrap();
        assert_eq!(c.command.uuid, STEADY_CONTROL);
        let frame = CommandFrame::decode(&c.command.value).unwrap();
        assert_eq!(frame.command, SteadyCommand::Identify { duration_s: 5 });
        let c = identify_command(Vendor::MovellaDot).unwrap();
        assert_eq!(c.command.uuid, dot::DEVICE_CONTROL_UUID);
        assert_eq!(&c.command.value[..2], &[0x01, 0x01]);
        assert_eq!(c.command.value.len(), 32);
        assert_eq!(c.duration_s, 10);
        for v in [
            Vendor::WitMotion,
            Vendor::MetaWear,
            Vendor::PolarVeritySense,
            Vendor::Thingy52,
        ] {
            let why = identify_command(v).unwrap_err().to_string();
            assert!(
                why.contains(v.as_str()) && why.contains("no identify"),
                "{why}"
            );
        }
    }

    #[tokio::test]
    async fn a_nearby_sensor_is_connected_for_the_command_only() {
        let central = MockCentral::new();
        let a = Address([0xD4, 0x22, 0xCD, 0, 0, 1]);
        let dev = central.add_device(
            advert(a, "Movella DOT"),
            vec![ch(
                dot::CONFIGURATION_SERVICE_UUID,
                dot::DEVICE_CONTROL_UUID,
            )],
        );
        let r = identify(&central, a, Vendor::MovellaDot, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(!r.on_existing_link);
        assert!(r.note().contains("10 s"), "{}", r.note());
        let writes = dev.writes();
        assert_eq!(writes.len(), 1);
        assert_eq!(writes[0].0, dot::DEVICE_CONTROL_UUID);
        assert_eq!(writes[0].1[..2], [0x01, 0x01]);
        assert_eq!(dev.connects(), 1);
        assert!(!dev.is_connected(), "disconnected after the command");
    }

    #[tokio::test]
    async fn a_connected_sensor_gets_it_on_its_link_which_stays_up() {
        let central = MockCentral::new();
        let a = Address([0xC5, 0, 0, 0, 0, 2]);
        let dev = central.add_device(
            advert(a, "steady-2"),
            vec![ch(STEADY_SERVICE, STEADY_CONTROL)],
        );
        let p = central.peripheral(a).await.unwrap();
        p.connect().await.unwrap();
        let r = identify(&central, a, Vendor::Steady, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(r.on_existing_link);
        assert!(dev.is_connected());
        assert_eq!(dev.connects(), 1);
        assert_eq!(dev.writes().len(), 1);
    }

    #[tokio::test]
    async fn a_sensor_without_the_characteristic_is_an_error_and_is_released() {
        let central = MockCentral::new();
        let a = Address([0xD4, 0x22, 0xCD, 0, 0, 3]);
        let dev = central.add_device(advert(a, "Movella DOT"), vec![]);
        let e = identify(&central, a, Vendor::MovellaDot, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(
            matches!(e, IdentifyError::Ble(BleError::MissingCharacteristic(..))),
            "{e}"
        );
        assert!(dev.writes().is_empty());
        assert!(!dev.is_connected());
        // Unsupported families never touch the radio.
        let w = Address([0xE1, 0, 0, 0, 0, 4]);
        let wit = central.add_device(advert(w, "WT901BLE"), vec![]);
        let e = identify(&central, w, Vendor::WitMotion, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(e, IdentifyError::Unsupported(Vendor::WitMotion));
        assert_eq!(wit.connects(), 0);
    }
}
