//! Files sent as downloads: one place for their media types and the `Content-Disposition` that names them.

use actix_web::HttpResponse;
use actix_web::HttpResponseBuilder;

/// Excel workbooks.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// CSV, UTF-8.
pub const CSV: &str = "text/csv; charset=utf-8";
/// PDF documents.
pub const PDF: &str = "application/pdf";

/// A 200 response that browsers save as `file_name` (which we compose: ASCII, no quotes), of the given media type;
/// the caller adds the body or the stream.
pub fn attachment(media_type: &str, file_name: &str) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type(media_type)
        .insert_header(("content-disposition", format!("attachment; filename=\"{file_name}\"")));
    response
}
