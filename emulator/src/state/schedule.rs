//! Requested schedules: parsing `scheduleInfo`, the activation length it asks for, and the
//! expiration type echoed back.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::model::{PimError, ScheduleIn};
use crate::util::parse_iso_duration;

/// Requested activation length from the schedule (`Ok(None)` = no expiration asked for).
pub(super) fn requested_duration(s: &ScheduleIn, start: DateTime<Utc>) -> Result<Option<chrono::Duration>, PimError> {
    let t = s.exp_type.as_deref().unwrap_or("");
    match t {
        "afterduration" | "" | "notspecified" => match &s.duration {
            Some(d) => parse_iso_duration(d)
                .map(Some)
                .map_err(|e| PimError::BadRequest(format!("Invalid scheduleInfo.expiration.duration: {e}"))),
            None if t == "afterduration" => Err(PimError::BadRequest(
                "scheduleInfo.expiration.duration is required when the expiration type is afterDuration.".into(),
            )),
            None => match s.end {
                Some(e) => Ok(Some(e - start)),
                None => Ok(None),
            },
        },
        "afterdatetime" => match s.end {
            Some(e) => Ok(Some(e - start)),
            None => Err(PimError::BadRequest(
                "scheduleInfo.expiration.endDateTime is required when the expiration type is afterDateTime.".into(),
            )),
        },
        "noexpiration" => Ok(None),
        other => Err(PimError::BadRequest(format!(
            "Invalid value '{other}' for scheduleInfo.expiration.type; expected afterDuration, afterDateTime, noExpiration or notSpecified."
        ))),
    }
}

/// Expiration type echoed in responses (`camel` for Graph, Pascal for ARM).
pub fn expiration_type_out(s: &ScheduleIn, pascal: bool) -> Value {
    let t = match s.exp_type.as_deref() {
        Some("afterduration") => "afterDuration",
        Some("afterdatetime") => "afterDateTime",
        Some("noexpiration") => "noExpiration",
        Some("notspecified") => "notSpecified",
        _ if s.duration.is_some() => "afterDuration",
        _ if s.end.is_some() => "afterDateTime",
        _ => return Value::Null,
    };
    if pascal {
        let mut c = t.chars();
        match c.next() {
            Some(f) => json!(format!("{}{}", f.to_ascii_uppercase(), c.as_str())),
            None => Value::Null,
        }
    } else {
        json!(t)
    }
}

/// Parses a `scheduleInfo` JSON object (keys already lower-cased for ARM or original for Graph).
pub fn parse_schedule(v: Option<&Value>) -> Result<ScheduleIn, PimError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(ScheduleIn::default());
    };
    let get = |o: &Value, k: &str| -> Option<Value> {
        o.as_object()?
            .iter()
            .find(|(kk, _)| kk.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_null())
    };
    let time = |x: Option<Value>, name: &str| -> Result<Option<DateTime<Utc>>, PimError> {
        match x {
            None => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(&s)
                .map(|d| Some(d.with_timezone(&Utc)))
                .map_err(|_| {
                    PimError::BadRequest(format!("Invalid {name} '{s}': expected an ISO 8601 UTC timestamp."))
                }),
            Some(other) => Err(PimError::BadRequest(format!(
                "Invalid {name} {other}: expected a string."
            ))),
        }
    };
    if !v.is_object() {
        return Err(PimError::BadRequest("scheduleInfo must be an object.".into()));
    }
    let mut s = ScheduleIn {
        present: true,
        start: time(get(v, "startDateTime"), "scheduleInfo.startDateTime")?,
        ..Default::default()
    };
    if let Some(exp) = get(v, "expiration") {
        if let Some(t) = get(&exp, "type") {
            s.exp_type = Some(
                t.as_str()
                    .ok_or_else(|| PimError::BadRequest("scheduleInfo.expiration.type must be a string.".into()))?
                    .to_ascii_lowercase(),
            );
        }
        if let Some(d) = get(&exp, "duration") {
            s.duration = Some(
                d.as_str()
                    .ok_or_else(|| PimError::BadRequest("scheduleInfo.expiration.duration must be a string.".into()))?
                    .to_string(),
            );
        }
        s.end = time(get(&exp, "endDateTime"), "scheduleInfo.expiration.endDateTime")?;
    }
    Ok(s)
}
