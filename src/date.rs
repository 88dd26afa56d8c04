//! Calendar dates and timestamps in UTC without a clock or a time-zone database, so the pure
//! core can take "today" as an argument. Days count from 1970-01-01 (Howard Hinnant's
//! `days_from_civil`); timestamps are RFC 3339 (`2026-11-15T12:00:00Z`, `…+08:00`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day of the proleptic Gregorian calendar, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

const SECONDS_PER_DAY: i64 = 86_400;

impl Date {
    /// `None` for a day that does not exist (`2026-02-30`).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days: days_from_civil(i64::from(year), month, day),
        })
    }

    /// `YYYY-MM-DD`, or the date part of an RFC 3339 timestamp (`2026-11-15T…`, taken as
    /// written, without converting its offset).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let date = text.get(..10)?;
        if text.len() > 10 && !text[10..].starts_with(['T', 't', ' ']) {
            return None;
        }
        let bytes = date.as_bytes();
        if bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &date[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let year = i32::try_from(number(0..4)?).ok()?;
        Date::from_ymd(year, number(5..7)?, number(8..10)?)
    }

    /// The UTC day that contains `seconds` since the Unix epoch.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date {
            days: seconds.div_euclid(SECONDS_PER_DAY),
        }
    }

    /// Midnight (00:00:00 UTC) of this day, in seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.days * SECONDS_PER_DAY
    }

    pub fn add_days(self, days: i64) -> Date {
        Date {
            days: self.days + days,
        }
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: `{text}`")))
    }
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS`, optional
/// fraction, then `Z` or `±HH:MM`. `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = Date::parse(text.get(..10)?)?;
    let rest = text.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let clock = rest.get(..8)?;
    let b = clock.as_bytes();
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let two = |s: &str| -> Option<i64> {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (hour, minute, second) = (two(&clock[0..2])?, two(&clock[3..5])?, two(&clock[6..8])?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut zone = &rest[8..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        zone = &fraction[digits..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm = zone.get(1..)?;
            if hm.len() != 5 || hm.as_bytes()[2] != b':' {
                return None;
            }
            sign * (two(&hm[0..2])? * 3600 + two(&hm[3..5])? * 60)
        }
    };
    Some(date.unix_seconds() + hour * 3600 + minute * 60 + second - offset)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_arithmetic() {
        let day = Date::from_ymd(2026, 11, 20).unwrap();
        assert_eq!(day.to_string(), "2026-11-20");
        assert_eq!(day.add_days(-30).to_string(), "2026-10-21");
        assert_eq!(day.add_days(41).to_string(), "2026-12-31");
        assert_eq!(
            Date::parse("2024-02-29").unwrap().add_days(1).to_string(),
            "2024-03-01"
        );
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().unix_seconds(), 0);
        assert_eq!(Date::from_unix_seconds(-1).to_string(), "1969-12-31");
        assert_eq!(Date::parse("2026-02-30"), None);
        assert_eq!(Date::parse("2026-11-20x"), None);
        assert_eq!(
            Date::parse("2026-11-20T23:59:59Z"),
            Date::from_ymd(2026, 11, 20)
        );
    }

    #[test]
    fn timestamps() {
        let midnight = Date::from_ymd(2026, 11, 20).unwrap().unix_seconds();
        assert_eq!(parse_timestamp("2026-11-20T00:00:00Z"), Some(midnight));
        assert_eq!(
            parse_timestamp("2026-11-20T01:02:03.456Z"),
            Some(midnight + 3723)
        );
        assert_eq!(parse_timestamp("2026-11-20T08:00:00+08:00"), Some(midnight));
        assert_eq!(parse_timestamp("2026-11-19T22:00:00-02:00"), Some(midnight));
        assert_eq!(parse_timestamp("2026-11-20"), None);
        assert_eq!(parse_timestamp("2026-11-20T24:00:00Z"), None);
    }
}
