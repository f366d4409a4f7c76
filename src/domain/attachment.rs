//! Uploaded files: which kinds are accepted, recognised by their content rather than their name.

/// How long an upload waits to be attached to something before the housekeeping sweep deletes it; past this it can no
/// longer be attached either, so a sweep never races an attach.
pub const UNATTACHED_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The media type of `bytes` when it is one of the accepted kinds (PDF, JPEG, PNG, WebP), judged by the magic bytes
/// at the start of the file. A renamed executable or HTML page is not any of these.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A file name safe to echo in a `Content-Disposition` header: the last path segment, printable ASCII without quotes,
/// at most 255 characters; `None` when nothing usable remains.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .map(|c| if (c.is_ascii_graphic() && c != '"' && c != ';') || c == ' ' { c } else { '_' })
        .take(255)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_kinds_are_recognised_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 "), Some("image/webp"));
    }

    #[test]
    fn other_content_is_refused_whatever_its_name() {
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b"RIFF\x10\x00\x00\x00WAVE"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn file_names_are_tidied_for_headers() {
        assert_eq!(clean_file_name("C:\\Users\\budi\\foto jalan.jpg").as_deref(), Some("foto jalan.jpg"));
        assert_eq!(clean_file_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(clean_file_name("a\"b;c\r\n.pdf").as_deref(), Some("a_b_c__.pdf"));
        assert_eq!(clean_file_name("..").as_deref(), None);
        assert_eq!(clean_file_name("   ").as_deref(), None);
    }
}
