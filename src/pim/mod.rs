//! PIM: listing eligibilities and active assignments across directory roles, groups and Azure
//! resources, with the activation policy of each; activating, waiting and cancelling.
//!
//! Where things live (arrows point down only: a file imports only files listed below it):
//! - `activate`, `wait` (with `cancel`), `list`: the operations the host calls; they do the I/O.
//! - `requests`: building activation requests and finding submitted or pending ones.
//! - `graph`, `arm`: how each surface's instances name their role, and its policy reads.
//! - `outcome`: pure — maps an answer to an outcome, or names the look-up the caller must make.
//! - `endpoints`: every Graph and ARM URL, from one table of paths per kind.
//! - `status`: the one map of the services' status words, and the fields a request is read by.
//! - `rules`, `duration`: policy rules and durations; `select`: roles by name and scope patterns.
//! - `model`: the shared types (roles, targets, answers, wait targets).

pub mod activate;
pub mod arm;
pub mod cancel;
pub mod duration;
pub mod endpoints;
pub mod graph;
pub mod list;
pub mod model;
pub mod outcome;
pub mod policies;
pub mod policy_cache;
pub mod requests;
pub mod rules;
pub mod select;
pub mod status;
pub mod wait;
