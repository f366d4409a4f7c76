//! Files sent as downloads: one place for their media types and the `Content-Disposition` that names them.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, HttpResponseBuilder};
use futures_util::{Stream, stream};
use tokio::io::AsyncReadExt;

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

/// A file read in 64 KiB chunks, as a response body (the file is never in memory as a whole).
pub fn file_stream(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), Some(file)))
            }
            Err(err) => Some((Err(err), None)),
        }
    })
}
