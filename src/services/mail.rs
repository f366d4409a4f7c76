//! E-mail from an outbox. Messages are written in the transaction that causes them: staff notifications as they are
//! written (for those who want them at once), reporter mails from the change feed (a report verified, more
//! information needed, an answer published, the report finished: only to the address the reporter gave, sealed in
//! the outbox as with the complaint), and daily digests. A sender delivers them over SMTP (`PENGADUAN_SMTP_URL`) with
//! retries, or, without SMTP, writes each to a file in the data folder's `mail` directory.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use crate::db;
use crate::db::changes::FeedQuery;
use crate::db::mail::OutboxRow;
use crate::domain::change::EntityType;
use crate::domain::mail::{self, MailMode, ReporterEvent, Template};
use crate::error::ApiError;
use crate::services::notifications::Notice;
use crate::state::AppState;

/// Messages one sender claims at a time.
const SEND_BATCH: i64 = 10;
/// How long claimed messages are left to their sender: the whole batch, each at the transport's 30-second timeout
/// for every step of its SMTP conversation.
const LEASE: Duration = Duration::minutes(30);
/// Changes read per pass of the reporter mails.
const FEED_BATCH: i64 = 500;

fn message(
    kind: &str,
    recipient_user: Option<Uuid>,
    recipient_sealed: Option<Vec<u8>>,
    values: &[(&str, &str)],
    now: DateTime<Utc>,
) -> OutboxRow {
    let (subject, body) = Template::of(kind)
        .map(|template| template.render(values))
        .unwrap_or_else(|| ("Pengaduan".into(), String::new()));
    OutboxRow {
        id: Uuid::now_v7(),
        kind: kind.to_owned(),
        recipient_user,
        recipient_sealed,
        subject,
        body,
        status: "pending".into(),
        attempts: 0,
        claim: None,
        next_attempt_at: Some(now),
        last_error: None,
        created_at: now,
        sent_at: None,
    }
}

/// Queues an e-mail of a notification for each of `users` who wants them at once (in the caller's transaction).
pub(crate) async fn notify_staff(
    conn: &mut AsyncPgConnection,
    users: &[Uuid],
    notice: &Notice<'_>,
) -> Result<(), ApiError> {
    let summary: String = notice.message.chars().take(80).collect();
    let rows: Vec<OutboxRow> = db::mail::staff_addresses(conn, users)
        .await?
        .into_iter()
        .filter(|staff| staff.mode.as_deref().is_none_or(|mode| mode == MailMode::Immediate.as_str()))
        .map(|staff| {
            let values =
                [("summary", summary.as_str()), ("name", staff.name.as_str()), ("message", notice.message.as_str())];
            message("staff_notification", Some(staff.user_id), None, &values, notice.at)
        })
        .collect();
    Ok(db::mail::enqueue(conn, &rows).await?)
}

/// A user's preference (immediately when never saved).
pub async fn mode_of(state: &AppState, user: Uuid) -> Result<MailMode, ApiError> {
    let mut conn = state.conn().await?;
    Ok(db::mail::mode_of(&mut conn, user).await?.and_then(|mode| mode.parse().ok()).unwrap_or(MailMode::Immediate))
}

/// Saves a user's preference.
pub async fn set_mode(state: &AppState, user: Uuid, mode: MailMode) -> Result<(), ApiError> {
    let mut conn = state.conn().await?;
    Ok(db::mail::set_mode(&mut conn, user, mode.as_str(), state.clock.now()).await?)
}

/// Queues reporter mails for the changes since the last pass; how many. One instance at a time holds the cursor.
pub async fn fan_out_reporter_mail(state: &AppState) -> anyhow::Result<usize> {
    let mut conn = state.conn().await?;
    let now = state.clock.now();
    conn.transaction(async |conn| {
        let Some(after) = db::mail::lock_feed_cursor(conn).await? else {
            return Ok(0);
        };
        let query = FeedQuery {
            pemda_ids: None,
            after,
            types: vec![EntityType::Complaint.as_str().into(), EntityType::FollowUp.as_str().into()],
            supervision: true,
            limit: FEED_BATCH,
        };
        let changes = db::changes::after(conn, &query).await?;
        let Some(last) = changes.last() else {
            return Ok(0);
        };
        let mut rows = Vec::new();
        for change in &changes {
            let Ok(entity) = change.entity_type.parse::<EntityType>() else { continue };
            if !mail::may_concern_reporter(entity, &change.status) {
                continue;
            }
            let previous = db::mail::previous_status(conn, change.entity_id, change.txid, change.id).await?;
            let Some(event) = mail::reporter_event(entity, &change.status, previous.as_deref()) else { continue };
            // One change that cannot be mailed (its reporter record does not open, say) must not hold up the rest.
            match reporter_message(state, conn, entity, change.entity_id, event, now).await {
                Ok(Some(row)) => rows.push(row),
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(change.id = change.id, error = %error, "a reporter mail could not be prepared; skipped");
                }
            }
        }
        db::mail::enqueue(conn, &rows).await?;
        db::mail::set_feed_cursor(conn, last.txid, last.id).await?;
        Ok::<_, anyhow::Error>(rows.len())
    })
    .await
}

/// The mail to a report's reporter about `event`, when they gave an e-mail address.
async fn reporter_message(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    entity: EntityType,
    entity_id: Uuid,
    event: ReporterEvent,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<OutboxRow>> {
    let (complaint_id, answer) = match entity {
        EntityType::FollowUp => match db::dispositions::find_follow_up(conn, entity_id).await? {
            Some(follow_up) => {
                let unit = db::dispositions::find(conn, follow_up.disposition_id).await?.map(|d| d.unit_id);
                (follow_up.complaint_id, Some((follow_up.body, unit)))
            }
            None => return Ok(None),
        },
        _ => (entity_id, None),
    };
    let Some(complaint) = db::complaints::find(conn, complaint_id).await? else { return Ok(None) };
    let Some(sealed) = db::complaints::reporter(conn, complaint_id).await? else { return Ok(None) };
    let reporter = crate::services::complaints::open_reporter(&state.sealer, &sealed)?;
    let Some(address) = reporter.email else { return Ok(None) };
    let pemda = db::units::find(conn, complaint.pemda_id).await?.map(|unit| unit.name).unwrap_or_default();
    let link = state
        .settings
        .public_web_url
        .as_deref()
        .map(|base| format!(" di {}/lacak/{}", base.trim_end_matches('/'), complaint.tracking_code))
        .unwrap_or_default();
    let (answer_text, unit) = match answer {
        Some((body, unit)) => {
            let name = match unit {
                Some(unit) => db::units::find(conn, unit).await?.map(|u| u.name).unwrap_or_default(),
                None => String::new(),
            };
            (body, name)
        }
        None => (String::new(), String::new()),
    };
    let id = Uuid::now_v7();
    let sealed = state.sealer.seal_to_bytes(id.as_bytes(), address.as_bytes())?;
    let values = [
        ("tracking_code", complaint.tracking_code.as_str()),
        ("pemda", pemda.as_str()),
        ("tracking_link", link.as_str()),
        ("answer", answer_text.as_str()),
        ("unit", if unit.is_empty() { "Perangkat daerah" } else { unit.as_str() }),
    ];
    let mut row = message(event.kind(), None, Some(sealed), &values, now);
    row.id = id;
    Ok(Some(row))
}

/// Queues the daily digests that are due; how many.
pub async fn send_digests(state: &AppState) -> anyhow::Result<usize> {
    // Up to a minute ago: a notification stamped just before now may still be committing, and would be missed.
    let now = state.clock.now() - Duration::minutes(1);
    let due = mail::last_digest_time(now, state.settings.timezone);
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        let mut made = Vec::new();
        for (user, since) in db::mail::lock_due_digests(conn, due).await? {
            let items = db::mail::notifications_between(conn, user, since, now).await?;
            db::mail::set_digested(conn, user, now).await?;
            let Some((_, name)) = db::mail::address_of(conn, user).await? else { continue };
            if items.is_empty() {
                continue;
            }
            let timezone = state.settings.timezone;
            let lines: Vec<String> = items
                .iter()
                .map(|(at, text)| format!("- {} {}", at.with_timezone(&timezone).format("%d-%m-%Y %H:%M"), text))
                .collect();
            let count = items.len().to_string();
            let values = [("name", name.as_str()), ("count", count.as_str()), ("items", &lines.join("\n"))];
            made.push(message("staff_digest", Some(user), None, &values, now));
        }
        db::mail::enqueue(conn, &made).await?;
        Ok::<_, anyhow::Error>(made.len())
    })
    .await
}

/// Where messages go.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server.
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    /// Files in a folder (no SMTP configured): one `.eml` per message.
    Folder { folder: PathBuf, from: Mailbox },
}

impl Mailer {
    /// The mailer the settings ask for.
    pub fn from_settings(state: &AppState) -> anyhow::Result<Mailer> {
        let from: Mailbox = state
            .settings
            .mail_from
            .parse()
            .map_err(|error| anyhow::anyhow!("PENGADUAN_MAIL_FROM is not an address: {error}"))?;
        match &state.settings.smtp_url {
            Some(url) => {
                crate::services::webhooks::target::install_crypto_provider();
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|error| anyhow::anyhow!("PENGADUAN_SMTP_URL is not an SMTP URL: {error}"))?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build();
                Ok(Mailer::Smtp { transport, from })
            }
            None => {
                let folder = state.settings.data_dir.join("mail");
                tracing::warn!(folder = %folder.display(), "no PENGADUAN_SMTP_URL: e-mail is written to files in this folder instead of being sent");
                Ok(Mailer::Folder { folder, from })
            }
        }
    }

    async fn deliver(&self, id: Uuid, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Folder { from, .. } => from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(to.parse::<Mailbox>().map_err(|_| SendError::permanent("the recipient is not an e-mail address"))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|_| SendError::permanent("the message could not be built"))?;
        match self {
            Mailer::Smtp { transport, .. } => transport.send(message).await.map(drop).map_err(|error| {
                // The server's own text often quotes the recipient's address: only its code is kept and logged.
                let code = error.status().map(|code| code.to_string()).unwrap_or_else(|| "no reply".into());
                let what = if error.is_permanent() { "refused" } else { "failed" };
                SendError {
                    message: format!("the SMTP server {what} the message ({code})"),
                    permanent: error.is_permanent(),
                }
            }),
            Mailer::Folder { folder, .. } => {
                let write = async {
                    tokio::fs::create_dir_all(folder).await?;
                    let path = folder.join(format!("{id}.eml"));
                    let partial = folder.join(format!("{id}.eml.part"));
                    tokio::fs::write(&partial, message.formatted()).await?;
                    tokio::fs::rename(&partial, &path).await
                };
                write
                    .await
                    .map_err(|error| SendError { message: format!("the mail folder: {error}"), permanent: false })
            }
        }
    }
}

/// Why a message was not sent, in words that carry no address.
struct SendError {
    message: String,
    /// Whether trying again cannot help (a refused recipient).
    permanent: bool,
}

impl SendError {
    fn permanent(message: &str) -> SendError {
        SendError { message: message.into(), permanent: true }
    }
}

/// Sends the messages that are due; how many were tried.
pub async fn send_due(state: &AppState, mailer: &Mailer) -> anyhow::Result<usize> {
    let mut tried = 0;
    loop {
        let now = state.clock.now();
        let claimed = {
            let mut conn = state.conn().await?;
            db::mail::claim_due(&mut conn, now, now + LEASE, SEND_BATCH, mail::MAX_ATTEMPTS).await?
        };
        if claimed.is_empty() {
            return Ok(tried);
        }
        for row in claimed {
            tried += 1;
            let claim = row.claim.ok_or_else(|| anyhow::anyhow!("a claimed message has its claim"))?;
            let sent = match recipient(state, &row).await {
                Ok(Some(to)) => mailer.deliver(row.id, &to, &row.subject, &row.body).await,
                Ok(None) => Err(SendError::permanent("the recipient's account is no longer active")),
                Err(error) => {
                    Err(SendError { message: format!("the recipient could not be read: {error}"), permanent: true })
                }
            };
            let now = state.clock.now();
            let error = sent.as_ref().err().map(|error| error.message.chars().take(500).collect::<String>());
            let retry = sent.as_ref().err().is_some_and(|error| !error.permanent);
            let next = if retry { mail::retry_delay(row.attempts).map(|wait| now + wait) } else { None };
            let mut conn = state.conn().await?;
            db::mail::record(&mut conn, row.id, claim, error.as_deref(), next, now).await?;
            crate::monitoring::mail_attempted(error.is_none());
            if let Some(error) = error {
                tracing::warn!(mail.id = %row.id, kind = %row.kind, error = %error, "an e-mail could not be sent");
            }
        }
    }
}

async fn recipient(state: &AppState, row: &OutboxRow) -> anyhow::Result<Option<String>> {
    if let Some(sealed) = &row.recipient_sealed {
        return Ok(Some(String::from_utf8(state.sealer.open_bytes(row.id.as_bytes(), sealed)?)?));
    }
    let Some(user) = row.recipient_user else { return Ok(None) };
    let mut conn = state.conn().await?;
    Ok(db::mail::address_of(&mut conn, user).await?.map(|(email, _)| email))
}
