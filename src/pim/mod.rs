//! PIM: listing eligibilities and active assignments across directory roles, groups and Azure
//! resources, with the activation policy of each.

pub mod activate;
pub mod arm;
pub mod cancel;
pub mod duration;
pub mod graph;
pub mod list;
pub mod model;
pub mod outcome;
pub mod requests;
pub mod rules;
pub mod status;
pub mod wait;
