//! The exit codes scripts rely on: stable, documented in `--help` and the README, each tested.

/// How a run ended, most severe last among the outcome codes (`Failed` wins over `Pending`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything asked for is done: activated, already active, validated, deactivated, listed.
    Success,
    /// Some request still waits: for approval, for provisioning, or for its start time.
    Pending,
    /// Something failed: a role was refused, not found, or a request ended without access.
    Failed,
    /// The command line was wrong (also: `--pick` without a terminal).
    Usage,
    /// Not signed in, and this run could not sign in (no cached sign-in and nobody to answer).
    NotSignedIn,
    /// Stopped by Ctrl+C (SIGINT); what had finished was printed.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Pending => 3,
            Exit::NotSignedIn => 4,
            Exit::Interrupted => 130,
        }
    }
}

pub const EXIT_CODES_HELP: &str = "Exit codes:
  0    success: every role activated, already active, validated or
       deactivated (or listed)
  1    some failed: refused by policy, not found, denied, or a request
       ended without access
  2    usage error (bad option or value; --pick without a terminal)
  3    some pending: waiting for approval, provisioning or a scheduled
       start (and none failed)
  4    not signed in, and no sign-in was possible (run `pimrust login`)
  130  interrupted (Ctrl+C); what had finished was printed";
