//! The legal deadline of a data-subject request (Art. 12(3) GDPR: one month, extendable by two),
//! counted as Regulation (EEC, Euratom) No 1182/71 counts periods:
//!
//! - the day of receipt is not counted; a period in months ends on the same date of the last
//!   month, or on that month's last day when it has no such date (Art. 3(1), 3(2)(c)) —
//!   received 31 January → 28 or 29 February;
//! - when that day is a Saturday, a Sunday or a public holiday, the period ends on the next
//!   working day (Art. 3(4)).
//!
//! Public holidays are computed, not listed, per country (a setting); Sweden's are the
//! allmänna helgdagar of Lag (1989:253) — the fixed dates, the Easter-based ones, Midsummer Day
//! and All Saints' Day on their Saturdays — and, as Lag (1930:173) om beräkning av lagstadgad
//! tid treats them, Midsummer Eve, Christmas Eve and New Year's Eve. Nothing here reads a
//! clock: the caller gives the date of receipt.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Whose public holidays move a deadline (ISO 3166-1 alpha-2). Another country is one more
/// variant here and its holidays in [`public_holiday`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum HolidayCountry {
    #[serde(rename = "SE")]
    Se,
}

impl HolidayCountry {
    /// Every country whose holidays Lagom computes.
    pub const ALL: [HolidayCountry; 1] = [HolidayCountry::Se];

    pub fn code(self) -> &'static str {
        match self {
            HolidayCountry::Se => "SE",
        }
    }

    pub fn from_code(code: &str) -> Option<HolidayCountry> {
        Self::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// Why a day is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NonWorkingDay {
    Saturday,
    Sunday,
    /// A public holiday, by its English name (`Good Friday`).
    Holiday(&'static str),
}

/// A deadline and its working: the date the period nominally ends, and every non-working day
/// that moved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Deadline {
    #[ts(type = "string")]
    pub received: NaiveDate,
    /// The same date `months` later (or that month's last day).
    #[ts(type = "string")]
    pub period_ends: NaiveDate,
    /// The first working day on or after `period_ends`.
    #[ts(type = "string")]
    pub due: NaiveDate,
    /// The days skipped from `period_ends` on, in order, and why.
    #[ts(type = "Array<[string, NonWorkingDay]>")]
    pub skipped: Vec<(NaiveDate, NonWorkingDay)>,
}

impl Deadline {
    /// The deadline of a request received on `received`, `months` months later (1 for the
    /// first deadline, 3 with the longest extension); `None` past the calendar's end.
    pub fn after_months(received: NaiveDate, months: u32, country: HolidayCountry) -> Option<Deadline> {
        // chrono ends on the month's last day when the date does not exist, as Art. 3(2)(c) says.
        Self::ending(received, received.checked_add_months(Months::new(months))?, country)
    }

    /// The deadline after the longest extension (Art. 12(3): "two further months"): three
    /// months from receipt, or two months after the first period ends when that is earlier (31
    /// January: the first month ends 28 February, so 28 April, not 30 April) — the earlier of
    /// the two readings, so an extended answer is never late under either.
    pub fn extended(received: NaiveDate, country: HolidayCountry) -> Option<Deadline> {
        let three = received.checked_add_months(Months::new(3))?;
        let two_more = received.checked_add_months(Months::new(1))?.checked_add_months(Months::new(2))?;
        Self::ending(received, three.min(two_more), country)
    }

    /// A period ending on `period_ends`, due on the first working day from then (Art. 3(4)).
    fn ending(received: NaiveDate, period_ends: NaiveDate, country: HolidayCountry) -> Option<Deadline> {
        let mut due = period_ends;
        let mut skipped = Vec::new();
        while let Some(why) = non_working_day(due, country) {
            skipped.push((due, why));
            due = due.checked_add_days(Days::new(1))?;
        }
        Some(Deadline { received, period_ends, due, skipped })
    }

    /// The working in English: "received Sat 31 Jan 2026; due Mon 2 Mar 2026 — 28 Feb is a
    /// Saturday, 1 Mar a Sunday".
    pub fn working(&self) -> String {
        let day = |d: NaiveDate| d.format("%a %-d %b %Y").to_string();
        let mut text = format!("received {}; due {}", day(self.received), day(self.due));
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(date, why)| {
                    let what = match why {
                        NonWorkingDay::Saturday => "a Saturday".to_owned(),
                        NonWorkingDay::Sunday => "a Sunday".to_owned(),
                        NonWorkingDay::Holiday(name) => name.to_string(),
                    };
                    format!("{} is {what}", date.format("%-d %b"))
                })
                .collect();
            text.push_str(" — ");
            text.push_str(&reasons.join(", "));
        }
        text
    }
}

/// Why `date` is not a working day in `country`, or `None` when it is one.
pub fn non_working_day(date: NaiveDate, country: HolidayCountry) -> Option<NonWorkingDay> {
    if let Some(name) = public_holiday(date, country) {
        return Some(NonWorkingDay::Holiday(name));
    }
    match date.weekday() {
        Weekday::Sat => Some(NonWorkingDay::Saturday),
        Weekday::Sun => Some(NonWorkingDay::Sunday),
        _ => None,
    }
}

/// The public holiday (or day treated as one) on `date`, by its English name.
pub fn public_holiday(date: NaiveDate, country: HolidayCountry) -> Option<&'static str> {
    match country {
        HolidayCountry::Se => swedish_holiday(date),
    }
}

fn swedish_holiday(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("New Year's Day"),
        (1, 6) => Some("Epiphany"),
        (5, 1) => Some("May Day"),
        (6, 6) => Some("National Day of Sweden"),
        (12, 24) => Some("Christmas Eve"),
        (12, 25) => Some("Christmas Day"),
        (12, 26) => Some("Boxing Day"),
        (12, 31) => Some("New Year's Eve"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let easter = easter_sunday(date.year())?;
    let from_easter = (date - easter).num_days();
    let moving = match from_easter {
        -2 => Some("Good Friday"),
        0 => Some("Easter Sunday"),
        1 => Some("Easter Monday"),
        39 => Some("Ascension Day"),
        49 => Some("Whit Sunday"),
        _ => None,
    };
    if moving.is_some() {
        return moving;
    }
    // Midsummer Day: the Saturday from 20 to 26 June, its Eve the Friday before; All Saints'
    // Day: the Saturday from 31 October to 6 November.
    let saturday_between = |month: u32, from: u32, days: u64| {
        let start = NaiveDate::from_ymd_opt(date.year(), month, from)?;
        (0..days).filter_map(|i| start.checked_add_days(Days::new(i))).find(|d| d.weekday() == Weekday::Sat)
    };
    let midsummer = saturday_between(6, 20, 7)?;
    if date == midsummer {
        return Some("Midsummer Day");
    }
    if Some(date) == midsummer.pred_opt() {
        return Some("Midsummer Eve");
    }
    if Some(date) == saturday_between(10, 31, 7) {
        return Some("All Saints' Day");
    }
    None
}

/// Easter Sunday of the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn due(received: &str) -> String {
        Deadline::after_months(date(received), 1, HolidayCountry::Se).unwrap().due.to_string()
    }

    #[test]
    fn easter_is_computed_for_known_years() {
        for (year, easter) in [(2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2038, "2038-04-25")] {
            assert_eq!(easter_sunday(year), Some(date(easter)), "{year}");
        }
    }

    #[test]
    fn the_day_of_receipt_is_not_counted_and_the_month_ends_on_the_same_date() {
        assert_eq!(due("2026-03-10"), "2026-04-10"); // a Friday
        assert_eq!(due("2026-09-15"), "2026-10-15"); // a Thursday
    }

    #[test]
    fn a_month_without_the_date_ends_on_its_last_day_leap_years_included() {
        assert_eq!(due("2024-01-31"), "2024-02-29"); // leap year, a Thursday
        assert_eq!(due("2027-01-31"), "2027-03-01"); // 28 Feb 2027 is a Sunday
        assert_eq!(due("2025-03-31"), "2025-04-30"); // a Wednesday
    }

    #[test]
    fn a_deadline_on_a_weekend_moves_to_monday_with_its_working() {
        let deadline = Deadline::after_months(date("2026-01-31"), 1, HolidayCountry::Se).unwrap();
        assert_eq!(deadline.period_ends, date("2026-02-28"));
        assert_eq!(deadline.due, date("2026-03-02"));
        assert_eq!(
            deadline.working(),
            "received Sat 31 Jan 2026; due Mon 2 Mar 2026 — 28 Feb is a Saturday, 1 Mar is a Sunday"
        );
    }

    #[test]
    fn easter_holidays_move_the_deadline() {
        // 2026: Good Friday 3 April, Easter Monday 6 April, Ascension Day 14 May.
        assert_eq!(due("2026-03-03"), "2026-04-07"); // 3 Apr Good Friday … 6 Apr Easter Monday
        assert_eq!(due("2026-03-06"), "2026-04-07");
        assert_eq!(due("2026-04-14"), "2026-05-15"); // 14 May Ascension Day
    }

    #[test]
    fn midsummer_all_saints_christmas_and_new_year_move_the_deadline() {
        // 2026: Midsummer Eve Fri 19 June, Midsummer Day Sat 20 June.
        assert_eq!(due("2026-05-19"), "2026-06-22");
        assert_eq!(public_holiday(date("2026-10-31"), HolidayCountry::Se), Some("All Saints' Day"));
        assert_eq!(public_holiday(date("2027-11-06"), HolidayCountry::Se), Some("All Saints' Day"));
        // 24, 25, 26 Dec 2025 (Wed–Fri), then the weekend: Monday 29th.
        assert_eq!(due("2025-11-24"), "2025-12-29");
        // 31 Dec 2025 (Wed), 1 Jan 2026 (Thu): Friday 2 January.
        assert_eq!(due("2025-11-30"), "2025-12-30");
        assert_eq!(due("2025-12-01"), "2026-01-02");
        // 6 January, Epiphany.
        assert_eq!(due("2026-12-06"), "2027-01-07");
        // 1 May, and 6 June on a Tuesday (2028).
        assert_eq!(due("2026-04-01"), "2026-05-04");
        assert_eq!(due("2028-05-06"), "2028-06-07");
        // Sat 29 Dec, Sun 30, Mon 31 (New Year's Eve), Tue 1 Jan: Wednesday 2 January.
        let deadline = Deadline::after_months(date("2029-11-29"), 1, HolidayCountry::Se).unwrap();
        assert_eq!(deadline.due, date("2030-01-02"));
        assert_eq!(deadline.skipped[2], (date("2029-12-31"), NonWorkingDay::Holiday("New Year's Eve")));
    }

    #[test]
    fn an_extension_ends_at_the_earlier_reading_of_two_further_months() {
        // 31 January: the first month ends on 28 February; two more months end on 28 April
        // (a Tuesday in 2026), before 30 April.
        let extended = Deadline::extended(date("2026-01-31"), HolidayCountry::Se).unwrap();
        assert_eq!((extended.period_ends, extended.due), (date("2026-04-28"), date("2026-04-28")));
        // 15 March: both readings agree on 15 June (a Monday in 2026).
        assert_eq!(Deadline::extended(date("2026-03-15"), HolidayCountry::Se).unwrap().due, date("2026-06-15"));
    }

    #[test]
    fn a_deadline_past_the_calendar_is_none_not_a_hang() {
        assert_eq!(Deadline::after_months(NaiveDate::MAX, 1, HolidayCountry::Se), None);
        assert_eq!(Deadline::after_months(date("2026-01-01"), u32::MAX, HolidayCountry::Se), None);
    }

    #[test]
    fn the_longest_extension_counts_three_months_from_receipt() {
        let extended = Deadline::after_months(date("2025-11-30"), 3, HolidayCountry::Se).unwrap();
        assert_eq!(extended.period_ends, date("2026-02-28"));
        assert_eq!(extended.due, date("2026-03-02"));
    }
}
