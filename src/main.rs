//! `steady`: the command-line entry point. Thin wiring; each subcommand lives in `cli/`.

mod cli;
mod daemon;
mod live;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("steady: error: {error:#}");
            std::process::ExitCode::from(1)
        }
    }
}
