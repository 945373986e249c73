//! Arguments and helpers shared by several subcommands.

use std::path::PathBuf;

/// `--data-dir`: where steady keeps its database, registered sensors and sockets.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDirArg {
    /// steady's data directory (default: the platform's data directory, e.g. ~/.local/share/steady).
    #[arg(long, env = "STEADY_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
}

#[allow(dead_code)] // used by the store and sensor commands as they land
impl DataDirArg {
    /// The data directory to use (not created here).
    pub fn resolve(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        dirs::data_dir().map(|d| d.join("steady")).ok_or_else(|| {
            anyhow::anyhow!("no platform data directory; pass --data-dir or set STEADY_DATA_DIR")
        })
    }
}

/// Parses a duration such as `30s`, `2m`, `1.5m`, `500ms` or a bare number of seconds.
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix("min") {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 30s, 2m)"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("duration must be positive, got `{text}`"));
    }
    Ok(value * scale)
}

#[cfg(test)]
mod tests {
    use super::parse_duration_s;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration_s("30s"), Ok(30.0));
        assert_eq!(parse_duration_s("2m"), Ok(120.0));
        assert_eq!(parse_duration_s("500ms"), Ok(0.5));
        assert_eq!(parse_duration_s("12"), Ok(12.0));
        assert!(parse_duration_s("-3s").is_err());
        assert!(parse_duration_s("soon").is_err());
    }
}
