//! PIM: listing eligibilities and active assignments across directory roles, groups and Azure
//! resources, with the activation policy of each.

pub mod arm;
pub mod graph;
pub mod list;
pub mod model;
pub mod rules;
