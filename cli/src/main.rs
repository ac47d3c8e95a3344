//! `pimrust`: the PimRust core as a command-line tool for bash, zsh and CI. Runs the core in-process,
//! the same engine and methods as the PowerShell module, with the same token cache.

#[macro_use]
mod output;
mod args;
mod commands;
mod exit;
mod feedback;
mod interrupt;
mod requests;
mod session;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use exit::Exit;
use session::{CallError, Session};

fn main() {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "pimrust", &mut std::io::stdout());
        return;
    }
    interrupt::install();
    let exit = match run(cli) {
        Ok(exit) => exit,
        Err(CallError::Interrupted) => {
            eprintln!("Interrupted.");
            Exit::Interrupted
        }
        Err(error) => {
            let exit = error.exit();
            let hint = if exit == Exit::NotSignedIn {
                " (run `pimrust login`)"
            } else {
                ""
            };
            eprintln!(
                "{} {}{hint}",
                console::style("error:").red().for_stderr(),
                error.message()
            );
            exit
        }
    };
    std::process::exit(exit.code());
}

fn run(cli: Cli) -> Result<Exit, CallError> {
    let mut session = Session::open()?;
    let mut context = commands::Context::new(&mut session, cli.global)?;
    match cli.command {
        Command::Login(options) => commands::auth::login(&mut context, options),
        Command::Logout(options) => commands::auth::logout(&mut context, options),
        Command::Status => commands::auth::status(&mut context),
        Command::List(options) => commands::list::run(&mut context, options),
        Command::Activate(options) => commands::activate::activate(&mut context, options),
        Command::Deactivate(options) => commands::activate::deactivate(&mut context, options),
        Command::Wait(options) => commands::wait::run(&mut context, options),
        Command::Completions { .. } => Ok(Exit::Success),
    }
}
