//! `steady sensors`: scan, register (add), list, remove and identify BLE sensors.

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use steady_core::Placement;
use steady_sensors::ble::bluez::BluezCentral;
use steady_sensors::ble::identify::{identify, identify_command};
use steady_sensors::ble::scan::scan;
use steady_sensors::ble::transport::{Address, BleCentral};
use steady_sensors::ble::{RegisteredDevice, Registry, Vendor};

use super::common::{parse_duration_s, DataDirArg};

/// Arguments of `steady sensors`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data_dir: DataDirArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List nearby supported IMUs (name, address, vendor, RSSI, battery when readable).
    Scan {
        /// One JSON object per device per line.
        #[arg(long)]
        json: bool,
        /// How long to listen, e.g. 5s.
        #[arg(long, default_value = "5s", value_parser = parse_duration_s)]
        timeout: f64,
        /// Skip connecting to each device to read its battery.
        #[arg(long)]
        no_battery: bool,
    },
    /// Register a sensor at a placement (only registered sensors are ever recorded).
    Add {
        /// Device address, AA:BB:CC:DD:EE:FF.
        address: String,
        /// Where it is worn: lower-back, left-shank, right-foot, …
        #[arg(long)]
        placement: String,
        /// Sensor family, if it cannot be seen in a scan now (steady, witmotion, movella_dot,
        /// metawear, polar_verity_sense, thingy52).
        #[arg(long)]
        vendor: Option<String>,
        /// How long to look for the device to recognise it.
        #[arg(long, default_value = "5s", value_parser = parse_duration_s)]
        timeout: f64,
    },
    /// List registered sensors.
    List {
        /// One JSON object per device per line.
        #[arg(long)]
        json: bool,
    },
    /// Unregister a sensor.
    Remove {
        /// Device address.
        address: String,
    },
    /// Make a sensor show itself (steady: LED for 5 s; Movella DOT: LED for 10 s; other
    /// families have no identify command steady knows and say so). A registered or a nearby
    /// supported sensor; one connected to the daemon gets the command on that link.
    Identify {
        /// Device address.
        address: String,
        /// How long to look for the device.
        #[arg(long, default_value = "5s", value_parser = parse_duration_s)]
        timeout: f64,
    },
}

fn parse_address(text: &str) -> anyhow::Result<Address> {
    Ok(Address::from_str(text)?)
}

fn parse_vendor(text: &str) -> anyhow::Result<Vendor> {
    let t = text.trim().to_ascii_lowercase().replace('-', "_");
    Vendor::ALL
        .into_iter()
        .find(|v| v.as_str() == t)
        .ok_or_else(|| {
            let names: Vec<&str> = Vendor::ALL.iter().map(|v| v.as_str()).collect();
            anyhow::anyhow!("unknown vendor `{text}` ({})", names.join(", "))
        })
}

/// After a registry change: what a daemon running on this data directory does with it.
fn daemon_note(dir: &std::path::Path) {
    let Ok(v) = crate::daemon::client::request(dir, &serde_json::json!({"cmd": "status"})) else {
        return; // no daemon
    };
    let st = &v["status"];
    if st["source"] == "simulated" {
        eprintln!("note: the running daemon uses simulated sensors; it does not use the registry");
    } else if let Some(id) = st["session"]["id"].as_i64() {
        eprintln!(
            "note: the running daemon applies this when session {id} stops (a recording's \
             sensors never change)"
        );
    } else {
        eprintln!("note: the running daemon applies this within a few seconds");
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

/// Runs `steady sensors`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.data_dir.resolve()?;
    match args.command {
        Command::Scan {
            json,
            timeout,
            no_battery,
        } => {
            let found = runtime()?.block_on(async {
                let central = BluezCentral::new().await?;
                scan(
                    &central,
                    std::time::Duration::from_secs_f64(timeout),
                    !no_battery,
                )
                .await
            })?;
            for d in &found {
                if json {
                    println!("{}", serde_json::to_string(d)?);
                } else {
                    println!(
                        "{}  {:<12} {:<20} rssi {:>4}  battery {}",
                        d.address,
                        d.vendor.as_str(),
                        d.name.as_deref().unwrap_or("?"),
                        d.rssi_dbm.map_or("?".into(), |r| format!("{r}")),
                        d.battery_pct.map_or("?".into(), |b| format!("{b}%")),
                    );
                }
            }
            if found.is_empty() && !json {
                eprintln!(
                    "no supported sensors found (are they awake and not connected elsewhere?)"
                );
            }
        }
        Command::Add {
            address,
            placement,
            vendor,
            timeout,
        } => {
            let address = parse_address(&address)?;
            let placement = Placement::from_str(&placement)?;
            let mut registry = Registry::load(&dir)?;
            let (vendor, name) = match vendor {
                Some(v) => (parse_vendor(&v)?, None),
                None => {
                    let found = runtime()?.block_on(async {
                        let central = BluezCentral::new().await?;
                        scan(&central, std::time::Duration::from_secs_f64(timeout), false).await
                    })?;
                    let d = found.into_iter().find(|d| d.address == address).with_context(|| {
                        format!("{address} was not seen as a supported sensor; pass --vendor to register it anyway")
                    })?;
                    (d.vendor, d.name)
                }
            };
            registry.add(RegisteredDevice {
                address,
                vendor,
                placement,
                name,
            })?;
            registry.save()?;
            println!("registered {address} ({}) at {placement}", vendor.as_str());
            daemon_note(&dir);
        }
        Command::List { json } => {
            let registry = Registry::load(&dir)?;
            for d in registry.devices() {
                if json {
                    println!("{}", serde_json::to_string(d)?);
                } else {
                    println!(
                        "{}  {:<12} {:<12} {}",
                        d.address,
                        d.vendor.as_str(),
                        d.placement,
                        d.name.as_deref().unwrap_or("")
                    );
                }
            }
            if registry.devices().is_empty() && !json {
                eprintln!("no sensors registered (steady sensors scan, then steady sensors add)");
            }
        }
        Command::Remove { address } => {
            let address = parse_address(&address)?;
            let mut registry = Registry::load(&dir)?;
            let d = registry.remove(address)?;
            registry.save()?;
            println!("removed {} ({})", d.address, d.placement);
            daemon_note(&dir);
        }
        Command::Identify { address, timeout } => {
            let address = parse_address(&address)?;
            let registered = Registry::load(&dir)?.get(address).cloned();
            // A registered family without an identify command: said without using the radio.
            if let Some(d) = &registered {
                identify_command(d.vendor)?;
            }
            let (vendor, done) = runtime()?.block_on(async {
                let central = BluezCentral::new().await?;
                central.start_scan().await?;
                // The stack must know the device (seen advertising, or connected already).
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(timeout);
                let advert = loop {
                    let adverts = central.adverts().await?;
                    if let Some(a) = adverts.into_iter().find(|a| a.address == Some(address)) {
                        break a;
                    }
                    anyhow::ensure!(
                        std::time::Instant::now() < deadline,
                        "{address} was not seen within {timeout} s (switched on, charged, in range?)"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                };
                let vendor = match &registered {
                    Some(d) => d.vendor,
                    None => Vendor::recognise(&advert).with_context(|| {
                        format!("{address} is neither registered nor recognised as a supported sensor")
                    })?,
                };
                let done =
                    identify(&central, address, vendor, std::time::Duration::from_secs(10)).await?;
                Ok::<_, anyhow::Error>((vendor, done))
            })?;
            let placement = registered
                .map(|d| format!(", {}", d.placement))
                .unwrap_or_default();
            let link = if done.on_existing_link {
                " (on its existing connection, which stays up)"
            } else {
                ""
            };
            println!(
                "{address} ({}{placement}): {}{link}",
                vendor.as_str(),
                done.note()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
