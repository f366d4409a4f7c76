//! Working days (hari kerja): Monday to Friday, minus national holidays, cuti bersama and local holidays, counted in
//! the Pemda's time zone.
//!
//! A deadline of N working days from an instant ends at midnight (local time) after the Nth working day that follows
//! the day of that instant: a report received on Friday afternoon with 3 working days is due by the end of Wednesday.
//! A report received on a holiday starts counting on the next working day all the same.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The working-day calendar of one Pemda.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    timezone: Tz,
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// A calendar in `timezone` with these non-working dates (besides weekends).
    pub fn new(timezone: Tz, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self { timezone, holidays: holidays.into_iter().collect() }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.timezone).date_naive()
    }

    /// The deadline `days` working days after `from`: midnight (local) at the end of the `days`-th working day after
    /// the local date of `from`. Zero days: the end of `from`'s own day.
    pub fn add_working_days(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let mut date = self.local_date(from);
        let mut remaining = days;
        while remaining > 0 {
            date = next_day(date);
            if self.is_working_day(date) {
                remaining -= 1;
            }
        }
        self.start_of(next_day(date))
    }

    /// Working days between two instants: the working dates after the local date of `from`, up to and including the
    /// local date of `to`. Zero when `to` is not later.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let (start, end) = (self.local_date(from), self.local_date(to));
        let mut count = 0;
        let mut date = start;
        while date < end {
            date = next_day(date);
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }

    fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        local_midnight(self.timezone, date)
    }
}

/// Midnight at the start of `date` in `timezone`, as an instant. (Indonesia has no daylight saving: every local
/// midnight exists exactly once; `earliest` covers zones where it might not.)
pub fn local_midnight(timezone: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    timezone
        .from_local_datetime(&midnight)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Pontianak;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// An instant given in Pontianak local time (UTC+7).
    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Pontianak.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    /// The 2026 Nyepi and Idul Fitri block from the joint decree (seed/holidays-id.csv): cuti bersama Nyepi 18 March,
    /// Nyepi 19, cuti bersama 20, Idul Fitri 21-22, cuti bersama 23-24 March.
    fn lebaran_2026() -> WorkingCalendar {
        WorkingCalendar::new(Pontianak, (18..=24).map(|day| date(2026, 3, day)))
    }

    #[test]
    fn weekends_are_skipped() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        // Friday 2026-11-27 15:00 + 3 working days: Mon, Tue, Wed -> due at the end of Wednesday 2 December.
        assert_eq!(calendar.add_working_days(local(2026, 11, 27, 15, 0), 3), local(2026, 12, 3, 0, 0));
    }

    #[test]
    fn a_report_received_at_the_weekend_counts_from_monday() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        assert_eq!(calendar.add_working_days(local(2026, 11, 28, 10, 0), 1), local(2026, 12, 1, 0, 0));
    }

    #[test]
    fn deadlines_jump_over_the_lebaran_block() {
        let calendar = lebaran_2026();
        // Friday 13 March + 3 working days: Monday 16, Tuesday 17, then 18-24 are off -> end of Wednesday 25 March.
        assert_eq!(calendar.add_working_days(local(2026, 3, 13, 9, 0), 3), local(2026, 3, 26, 0, 0));
        assert_eq!(calendar.working_days_between(local(2026, 3, 13, 9, 0), local(2026, 3, 25, 16, 0)), 3);
        assert_eq!(calendar.working_days_between(local(2026, 3, 17, 9, 0), local(2026, 3, 24, 16, 0)), 0);
    }

    #[test]
    fn the_local_day_decides_not_the_utc_day() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        // 23:30 UTC on Sunday 29 Nov is 06:30 Monday 30 Nov in Pontianak: counting starts from Monday.
        let monday_morning = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
        assert_eq!(calendar.add_working_days(monday_morning, 1), local(2026, 12, 2, 0, 0));
    }

    #[test]
    fn the_year_end_holidays_are_skipped() {
        // 24 Dec 2026 cuti bersama, 25 Dec Christmas, 1 Jan 2027 New Year, 5 Jan Isra Mikraj; 26-27 Dec and 2-3 Jan
        // are weekends.
        let calendar = WorkingCalendar::new(
            Pontianak,
            [date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 5)],
        );
        // Wednesday 23 Dec + 6: 28, 29, 30, 31 Dec, 4 Jan, 6 Jan -> end of Wednesday 6 January 2027.
        assert_eq!(calendar.add_working_days(local(2026, 12, 23, 14, 0), 6), local(2027, 1, 7, 0, 0));
        assert_eq!(calendar.working_days_between(local(2026, 12, 23, 14, 0), local(2027, 1, 6, 8, 0)), 6);
    }

    #[test]
    fn zero_days_ends_the_same_day_and_counting_backwards_gives_zero() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        assert_eq!(calendar.add_working_days(local(2026, 11, 25, 8, 0), 0), local(2026, 11, 26, 0, 0));
        assert_eq!(calendar.working_days_between(local(2026, 11, 25, 8, 0), local(2026, 11, 20, 8, 0)), 0);
        assert_eq!(calendar.working_days_between(local(2026, 11, 25, 8, 0), local(2026, 11, 25, 18, 0)), 0);
    }

    #[test]
    fn sixty_working_days_span_about_three_months() {
        let calendar = WorkingCalendar::new(Pontianak, []);
        let due = calendar.add_working_days(local(2026, 1, 5, 8, 0), 60);
        assert_eq!(calendar.working_days_between(local(2026, 1, 5, 8, 0), due - chrono::Duration::seconds(1)), 60);
        assert_eq!(due, local(2026, 3, 31, 0, 0));
    }
}
