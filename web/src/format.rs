//! How figures, times and durations are written on the pages.

/// A whole number with thin separators between thousands: `1,255`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A difference with its sign and separators: `+1,255`, `−2` (a minus sign, not a hyphen).
pub fn signed(delta: i64) -> String {
    let size = count(delta.unsigned_abs());
    if delta < 0 {
        format!("−{size}")
    } else {
        format!("+{size}")
    }
}

/// A size in bytes, in the largest unit that keeps it at least 1: `21.4 KB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Seconds since the Unix epoch of an RFC 3339 time in UTC (`2026-11-24T20:33:13.07495Z`),
/// or `None` when it is not one.
pub fn epoch_seconds(rfc3339: &str) -> Option<f64> {
    let s = rfc3339.trim();
    let (date, rest) = s.split_once('T').or_else(|| s.split_once(' '))?;
    let mut d = date.splitn(3, '-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let (time, offset) = split_offset(rest)?;
    let mut t = time.splitn(3, ':');
    let hour: f64 = t.next()?.parse().ok()?;
    let minute: f64 = t.next()?.parse().ok()?;
    let second: f64 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day) as f64;
    Some(days * 86_400.0 + hour * 3600.0 + minute * 60.0 + second - offset)
}

/// The time part and the offset from UTC in seconds.
fn split_offset(rest: &str) -> Option<(&str, f64)> {
    if let Some(time) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z')) {
        return Some((time, 0.0));
    }
    let at = rest.rfind(['+', '-'])?;
    let (time, offset) = rest.split_at(at);
    let sign = if offset.starts_with('-') { -1.0 } else { 1.0 };
    let (h, m) = offset[1..].split_once(':')?;
    let h: f64 = h.parse().ok()?;
    let m: f64 = m.parse().ok()?;
    Some((time, sign * (h * 3600.0 + m * 60.0)))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The time between two RFC 3339 times, written for people (`0.13 s`, `4.2 s`, `3 min 5 s`).
pub fn duration_between(from: &str, to: &str) -> Option<String> {
    let seconds = epoch_seconds(to)? - epoch_seconds(from)?;
    Some(duration(seconds.max(0.0)))
}

/// A duration in seconds, written for people.
pub fn duration(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else if seconds < 3600.0 {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        let whole = seconds.round() as u64;
        format!("{} h {} min", whole / 3600, (whole % 3600) / 60)
    }
}

/// An RFC 3339 time as `2026-11-24 20:33:13 UTC` (the API writes UTC).
pub fn timestamp(rfc3339: &str) -> String {
    match rfc3339.split_once('T') {
        Some((date, rest)) => {
            let time: String = rest.chars().take(8).collect();
            format!("{date} {time} UTC")
        }
        None => rfc3339.to_string(),
    }
}

/// An issue code as words: `duplicate_barcode` → `duplicate barcode`.
pub fn code_label(code: &str) -> String {
    code.replace('_', " ")
}

/// The first characters of a batch id, enough to tell batches apart.
pub fn short_id(id: &str) -> &str {
    match id.char_indices().nth(10) {
        Some((at, _)) if !id.starts_with("w-") => &id[..at],
        _ => id,
    }
}

/// A ratio as a whole percentage, clamped to 0–100.
pub fn percent(done: u64, total: u64) -> u64 {
    done.saturating_mul(100)
        .checked_div(total)
        .unwrap_or(0)
        .min(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1255), "1,255");
        assert_eq!(count(995_086), "995,086");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(signed(1255), "+1,255");
        assert_eq!(signed(-2), "−2");
        assert_eq!(signed(0), "+0");
        assert_eq!(signed(i64::MIN), "−9,223,372,036,854,775,808");
    }

    #[test]
    fn bytes_use_the_largest_unit() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(21_404), "21.4 KB");
        assert_eq!(bytes(1_073_741_824), "1.1 GB");
    }

    #[test]
    fn times_are_read_as_utc() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(
            epoch_seconds("1970-01-01T01:00:00+01:00"),
            epoch_seconds("1970-01-01T00:00:00Z")
        );
        assert_eq!(epoch_seconds("yesterday"), None);
        assert_eq!(epoch_seconds("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn durations_between_the_apis_times() {
        assert_eq!(
            duration_between("2026-11-24T20:33:13.07495Z", "2026-11-24T20:33:13.207772Z")
                .as_deref(),
            Some("133 ms")
        );
        assert_eq!(
            duration_between("2026-11-24T23:59:58Z", "2026-11-25T00:00:02.5Z").as_deref(),
            Some("4.5 s")
        );
        assert_eq!(duration(185.0), "3 min 5 s");
        assert_eq!(duration(7260.0), "2 h 1 min");
        assert_eq!(duration_between("x", "2026-11-24T23:59:58Z"), None);
    }

    #[test]
    fn labels_and_ids() {
        assert_eq!(
            timestamp("2026-11-24T20:33:13.07495Z"),
            "2026-11-24 20:33:13 UTC"
        );
        assert_eq!(
            code_label("order_without_barcodes"),
            "order without barcodes"
        );
        assert_eq!(short_id("ba2eafaf685daadbdcbd2b27f"), "ba2eafaf68");
        assert_eq!(short_id("w-orders-abc123456789"), "w-orders-abc123456789");
        assert_eq!(percent(50, 200), 25);
        assert_eq!(percent(5, 0), 0);
        assert_eq!(percent(300, 200), 100);
    }
}
