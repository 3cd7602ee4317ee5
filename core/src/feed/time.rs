//! RFC 3339 timestamps ↔ Unix seconds, without a clock: the caller passes `now`. Fractions of a
//! second are read and dropped; offsets are applied.

use crate::error::{Error, ErrorCode, Result};

/// Unix seconds of an RFC 3339 date-time (`2025-06-01T12:00:00Z`, `…T12:00:00.123+02:00`);
/// `INVALID_FEED` naming `field` otherwise.
pub fn parse_rfc3339(field: &str, text: &str) -> Result<i64> {
    parse(text.as_bytes()).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidFeed,
            format!("{field} is not an RFC 3339 date-time"),
        )
    })
}

/// The RFC 3339 form (`YYYY-MM-DDTHH:MM:SSZ`) of Unix seconds.
pub fn format_rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let second_of_day = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

fn number(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0i64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
    })
}

fn parse(t: &[u8]) -> Option<i64> {
    if t.len() < 20 || t[4] != b'-' || t[7] != b'-' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    if !matches!(t[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (number(&t[0..4])?, number(&t[5..7])?, number(&t[8..10])?);
    let (hour, minute, second) = (
        number(&t[11..13])?,
        number(&t[14..16])?,
        number(&t[17..19])?,
    );
    let leap_year = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap_year { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day < 1
        || day > month_days[month as usize - 1]
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &t[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (number(&[*h1, *h2])?, number(&[*m1, *m2])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = hours * 3600 + minutes * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_rfc_3339() {
        assert_eq!(parse_rfc3339("t", "1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(
            parse_rfc3339("t", "2025-06-25T21:27:45.716166+00:00").unwrap(),
            1_750_886_865
        );
        assert_eq!(
            parse_rfc3339("t", "2025-06-26T00:27:45+03:00").unwrap(),
            1_750_886_865
        );
        assert_eq!(format_rfc3339(1_750_886_865), "2025-06-25T21:27:45Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        for bad in [
            "",
            "2025-02-30T00:00:00Z",
            "2025-06-25T21:27:45",
            "2025-06-25T24:00:00Z",
            "2025-06-25T21:27:45.Z",
            "yesterday",
        ] {
            assert_eq!(
                parse_rfc3339("t", bad).unwrap_err().code(),
                ErrorCode::InvalidFeed,
                "{bad}"
            );
        }
    }
}
