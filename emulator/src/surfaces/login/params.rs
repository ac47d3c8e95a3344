//! Request parameters of the token endpoints: lookup, the "missing parameter" error, `claims`.

use std::collections::HashMap;

use crate::identity::{RequestedClaims, parse_claims};
use crate::wire::{Resp, entra_error};

pub type Params = HashMap<String, String>;

pub fn param<'a>(map: &'a Params, k: &str) -> Option<&'a str> {
    map.get(k).map(String::as_str).filter(|s| !s.is_empty())
}

pub fn missing(k: &str) -> Resp {
    entra_error(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{k}'."),
    )
}

pub fn claims_param(map: &Params) -> Result<Option<RequestedClaims>, Resp> {
    match param(map, "claims") {
        None => Ok(None),
        Some(c) => parse_claims(c).map(Some).map_err(|e| {
            entra_error(
                400,
                "invalid_request",
                90019,
                &format!("The claims parameter is not valid JSON: {e}."),
            )
        }),
    }
}
