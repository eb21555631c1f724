//! Five-field cron schedules (`minute hour day-of-month month day-of-week`),
//! as Kubernetes CronJobs read them.
//!
//! Checked field by field, so a schedule the CronJob controller would
//! reject is reported at the spec, naming the field that is wrong. Accepts
//! what the controller's parser accepts: `*`, numbers, ranges `a-b`, steps
//! `*/n`, `a-b/n` and `a/n` (from `a` to the end), lists `a,b`, month and
//! weekday names (`jan`, `mon`) and `?` for the day fields.

use super::Resolver;
use crate::diagnostic::Diagnostic;
use crate::spec::Spanned;

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// (name, lowest, highest, names of the values starting at `lowest`).
const FIELDS: &[(&str, u32, u32, &[&str])] = &[
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, DAYS),
];

/// Why `schedule` is not a five-field cron schedule, or `None`.
pub fn cron_problem(schedule: &str) -> Option<String> {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Some(format!("it has {} field(s), cron needs 5", fields.len()));
    }
    for (text, (name, lo, hi, names)) in fields.iter().zip(FIELDS) {
        if let Err(why) = field(text, *lo, *hi, names, name.starts_with("day")) {
            return Some(format!("the {name} field `{text}` {why}"));
        }
    }
    None
}

fn value(text: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        return u32::try_from(i).map(|i| i + lo).map_err(|e| e.to_string());
    }
    match text.parse::<u32>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        Ok(n) => Err(format!("has {n}, outside {lo} to {hi}")),
        Err(_) => Err(format!(
            "has `{text}`, which is not a number from {lo} to {hi}"
        )),
    }
}

fn field(text: &str, lo: u32, hi: u32, names: &[&str], day: bool) -> Result<(), String> {
    if day && text == "?" {
        return Ok(());
    }
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(n) if n >= 1 && n <= hi => {}
                _ => return Err(format!("has the step `/{step}`, expected 1 to {hi}")),
            }
        }
        if range == "*" {
            continue;
        }
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (value(a, lo, hi, names)?, Some(value(b, lo, hi, names)?)),
            None => (value(range, lo, hi, names)?, None),
        };
        if let Some(b) = b
            && a > b
        {
            return Err(format!("has the range {a}-{b}, which runs backwards"));
        }
    }
    Ok(())
}

/// Reports `s` unless it is a five-field cron schedule.
pub(crate) fn check_cron(r: &mut Resolver<'_>, s: &Spanned<String>) {
    if let Some(problem) = cron_problem(&s.value) {
        r.push(
            Diagnostic::error("invalid-schedule", s.span, format!("`{}` is not a cron schedule: {problem}", s.value.escape_debug()))
                .label("not a cron schedule")
                .help("write `minute hour day-of-month month day-of-week`, e.g. \"0 3 * * *\" (03:00 every day)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_schedules() {
        for ok in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 0 1 jan,jul ?",
            "30 4 * * mon-fri",
            "0 0-23/2 * * 0,7",
            "5 4 * * SUN",
            "5/10 * * * *",
        ] {
            assert_eq!(cron_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn invalid_schedules() {
        for (bad, why) in [
            ("0 2 * *", "4 field"),
            ("0 24 * * *", "hour field `24` has 24, outside 0 to 23"),
            ("60 * * * *", "minute"),
            ("0 0 0 * *", "day of month"),
            ("0 0 * 13 *", "month"),
            ("0 0 * * 8", "day of week"),
            ("*/0 * * * *", "step"),
            ("0 5-1 * * *", "backwards"),
            ("x * * * *", "not a number"),
            ("? * * * *", "not a number"),
        ] {
            let problem = cron_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }
}
