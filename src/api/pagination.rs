//! Cursor pagination: `limit` (default 20, at most 100) and an opaque `cursor`; the next page's cursor comes back as
//! `next_cursor` in the body and as an RFC 8288 `Link: <...>; rel="next"` header.

use crate::domain::calendar::local_midnight;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Keyset;
use crate::error::ApiError;

/// Rows per page when the client does not say.
pub const DEFAULT_LIMIT: u32 = 20;
/// Most rows per page.
pub const MAX_LIMIT: u32 = 100;
/// Bytes of JSON reserved per row before a page is written: about what a staff complaint view takes.
const RESERVED_BYTES_PER_ROW: usize = 1536;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Rows wanted.
    pub limit: u32,
    /// Start after this position.
    pub after: Option<Keyset>,
}

impl PageRequest {
    /// Checks `limit` and decodes `cursor`.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                "out_of_range",
                format!("limit is between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = cursor.map(decode_cursor).transpose()?;
        Ok(Self { limit, after })
    }

    /// Rows to fetch: one more than asked, to learn whether a next page exists.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Turns fetched rows into a page response with its `Link` header.
    pub fn respond<R, T: Serialize>(
        &self,
        req: &HttpRequest,
        mut rows: Vec<R>,
        position: impl Fn(&R) -> Keyset,
        view: impl Fn(R) -> T,
    ) -> HttpResponse {
        let has_more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor = if has_more { rows.last().map(|row| encode_cursor(&position(row))) } else { None };
        let mut response = HttpResponse::Ok();
        if let Some(cursor) = &next_cursor {
            response.insert_header((header::LINK, format!("<{}>; rel=\"next\"", next_link(req, cursor))));
        }
        let page = Page { items: rows.into_iter().map(view).collect(), next_cursor };
        // Written by sonic-rs, whose string escaping scans many bytes at a time: serde_json's byte-by-byte loop
        // was a fifth of the service's instructions on a page of twenty complaints. The output is the same JSON
        // (a test below compares them). The buffer is sized up front: grown from empty, a page was copied over
        // about eight times as it doubled.
        let mut body = Vec::with_capacity(256 + RESERVED_BYTES_PER_ROW * page.items.len());
        match sonic_rs::to_writer(&mut body, &page) {
            Ok(()) => response.content_type(ContentType::json()).body(body),
            Err(error) => ApiError::Internal(error.into()).error_response(),
        }
    }
}

fn encode_cursor(position: &Keyset) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", position.at.to_rfc3339(), position.id))
}

fn decode_cursor(cursor: &str) -> Result<Keyset, ApiError> {
    let invalid =
        || ApiError::BadRequest { code: "invalid_cursor", detail: "the cursor is not one this API gave out".into() };
    let text =
        URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(invalid)?;
    let (created_at, id) = text.split_once('|').ok_or_else(invalid)?;
    Ok(Keyset {
        at: chrono::DateTime::parse_from_rfc3339(created_at).map_err(|_| invalid())?.to_utc(),
        id: id.parse().map_err(|_| invalid())?,
    })
}

/// The same request with `cursor` replaced (a relative reference: proxies may rewrite the host).
fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<&str> =
        req.query_string().split('&').filter(|pair| !pair.is_empty() && !pair.starts_with("cursor=")).collect();
    let cursor_pair = format!("cursor={cursor}");
    pairs.push(&cursor_pair);
    format!("{}?{}", req.path(), pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let position = Keyset { at: chrono::Utc::now(), id: uuid::Uuid::now_v7() };
        let decoded = decode_cursor(&encode_cursor(&position)).unwrap();
        assert_eq!(decoded.id, position.id);
        assert_eq!(decoded.at.timestamp_micros(), position.at.timestamp_micros());
    }

    #[test]
    fn forged_cursors_are_refused() {
        for bad in
            ["", "!!!", &URL_SAFE_NO_PAD.encode("no separator"), &URL_SAFE_NO_PAD.encode("2026-01-01|not-a-uuid")]
        {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
    }

    /// Everything a page row can hold: nested objects, options, enums, numbers, instants, text that needs escaping.
    #[derive(Serialize)]
    struct Row {
        id: uuid::Uuid,
        text: String,
        missing: Option<String>,
        latitude: Option<f64>,
        count: i32,
        flag: bool,
        status: crate::domain::complaint::ComplaintStatus,
        #[serde(serialize_with = "crate::api::json_time::instant")]
        at: chrono::DateTime<chrono::Utc>,
        nested: Option<Box<Row>>,
    }

    #[test]
    fn pages_are_written_exactly_as_serde_json_writes_them() {
        let texts = [
            "Jalan \"rusak\" di Desa Mungguk\nsejak\t3 bulan \\ 50% lubang",
            "kontrol \u{0}\u{1f}\u{7f} akhir",
            "unicode: é ñ 日本 🙂 \u{2028}\u{2029} </script>",
            "",
        ];
        let rows: Vec<Row> = texts
            .iter()
            .zip([Some(0.1), Some(-0.2345678), Some(1e-7), None])
            .map(|(text, latitude)| Row {
                id: uuid::Uuid::now_v7(),
                text: text.repeat(7),
                missing: None,
                latitude,
                count: -42,
                flag: true,
                status: crate::domain::complaint::ComplaintStatus::AwaitingReporter,
                at: chrono::Utc::now(),
                nested: Some(Box::new(Row {
                    id: uuid::Uuid::nil(),
                    text: (*text).to_owned(),
                    missing: Some("ada".into()),
                    latitude: Some(109.123456789),
                    count: i32::MAX,
                    flag: false,
                    status: crate::domain::complaint::ComplaintStatus::Submitted,
                    at: chrono::Utc::now(),
                    nested: None,
                })),
            })
            .collect();
        let page = Page { items: rows, next_cursor: Some("abc".into()) };
        assert_eq!(sonic_rs::to_string(&page).unwrap(), serde_json::to_string(&page).unwrap());
        let empty: Page<Row> = Page { items: Vec::new(), next_cursor: None };
        assert_eq!(sonic_rs::to_string(&empty).unwrap(), serde_json::to_string(&empty).unwrap());
    }

    #[test]
    fn limits_stay_between_one_and_the_maximum() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(MAX_LIMIT + 1), None).is_err());
        assert_eq!(PageRequest::parse(Some(MAX_LIMIT), None).unwrap().fetch_limit(), 101);
    }
}

/// A time filter given as an RFC 3339 instant (`2026-11-01T00:00:00Z`) or as a calendar date (`2026-11-01`), a date
/// meaning that day in the Pemda's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// An exact instant.
    Instant(chrono::DateTime<chrono::Utc>),
    /// A whole day of the Pemda's calendar.
    Day(chrono::NaiveDate),
}

impl<'de> serde::Deserialize<'de> for TimeBound {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
            return Ok(TimeBound::Instant(at.with_timezone(&chrono::Utc)));
        }
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(TimeBound::Day)
            .map_err(|_| serde::de::Error::custom("expected an RFC 3339 date-time or a date (YYYY-MM-DD)"))
    }
}

impl TimeBound {
    /// As a lower bound: the instant, or the first moment of the day.
    pub fn from(self, timezone: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
        match self {
            TimeBound::Instant(at) => at,
            TimeBound::Day(day) => local_midnight(timezone, day),
        }
    }

    /// As an exclusive upper bound: the instant, or the end of the day (the next day's first moment), so that
    /// `end_date=2026-11-30` includes the 30th.
    pub fn until(self, timezone: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
        match self {
            TimeBound::Instant(at) => at,
            TimeBound::Day(day) => local_midnight(timezone, day.succ_opt().unwrap_or(day)),
        }
    }
}

#[cfg(test)]
mod time_bound_tests {
    use chrono::{TimeZone, Utc};
    use chrono_tz::Asia::Pontianak;

    use super::TimeBound;

    fn parse(text: &str) -> Result<TimeBound, serde_json::Error> {
        serde_json::from_value(serde_json::json!(text))
    }

    #[test]
    fn a_date_is_the_pemdas_whole_day_and_an_instant_itself() {
        let day = parse("2026-11-01").unwrap();
        assert_eq!(day.from(Pontianak), Utc.with_ymd_and_hms(2026, 10, 31, 17, 0, 0).unwrap());
        assert_eq!(day.until(Pontianak), Utc.with_ymd_and_hms(2026, 11, 1, 17, 0, 0).unwrap());
        let at = parse("2026-11-01T08:30:00+07:00").unwrap();
        assert_eq!(at.from(Pontianak), Utc.with_ymd_and_hms(2026, 11, 1, 1, 30, 0).unwrap());
        assert_eq!(at.until(Pontianak), at.from(Pontianak));
        assert!(parse("1 November").is_err() && parse("2026-13-01").is_err());
    }
}
