//! When to try again. After the first attempt fails, retries wait 5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h, 14 h and 16 h (each ±20 % at random, so receivers that failed together do not
//! get hit together again): nine attempts over about two days, then the delivery is dead.
//! A 429 or 503 with `Retry-After` waits at least that long (capped at a day).
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// The wait after the n-th consecutive failure (n = 1…).
pub const RETRY_DELAYS: [Duration; 8] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(14 * HOUR),
    Duration::from_secs(16 * HOUR),
];

pub const JITTER: f64 = 0.2;
const RETRY_AFTER_CAP: Duration = Duration::from_secs(24 * HOUR);

/// What becomes of a delivery after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AfterFailure {
    RetryIn { delay: Duration, step: i64 },
    GiveUp,
}

/// `step` is how many attempts had failed in a row before this one.
pub fn after_failure(step: i64, retry_after: Option<Duration>, rng: &mut impl Rng) -> AfterFailure {
    let Some(base) = usize::try_from(step).ok().and_then(|s| RETRY_DELAYS.get(s)) else {
        return AfterFailure::GiveUp;
    };
    let jittered = base.mul_f64(rng.random_range(1.0 - JITTER..=1.0 + JITTER));
    let delay = match retry_after {
        Some(asked) => jittered.max(asked.min(RETRY_AFTER_CAP)),
        None => jittered,
    };
    AfterFailure::RetryIn { delay, step: step + 1 }
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn delays_grow_within_the_jitter_and_stop_after_nine_attempts() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            for (step, base) in RETRY_DELAYS.iter().enumerate() {
                let step = step as i64;
                let AfterFailure::RetryIn { delay, step: next } = after_failure(step, None, &mut rng) else {
                    panic!("step {step} should retry");
                };
                assert_eq!(next, step + 1);
                assert!(delay >= base.mul_f64(0.8) && delay <= base.mul_f64(1.2), "{delay:?} for {base:?}");
            }
            assert_eq!(after_failure(8, None, &mut rng), AfterFailure::GiveUp);
            assert_eq!(after_failure(-1, None, &mut rng), AfterFailure::GiveUp);
        }
    }

    #[test]
    fn the_whole_schedule_spans_about_two_days() {
        let total: Duration = RETRY_DELAYS.iter().sum();
        let hours = total.as_secs_f64() / 3600.0;
        assert!((45.0..=50.0).contains(&hours), "{hours} h");
        assert!(hours * 0.8 > 36.0 && hours * 1.2 < 60.0);
    }

    #[test]
    fn jitter_actually_varies() {
        let mut rng = StdRng::seed_from_u64(1);
        let delays: std::collections::HashSet<_> = (0..20).map(|_| after_failure(1, None, &mut rng)).collect();
        assert!(delays.len() > 10);
    }

    #[test]
    fn retry_after_is_a_floor_with_a_cap() {
        let mut rng = StdRng::seed_from_u64(3);
        let AfterFailure::RetryIn { delay, .. } = after_failure(0, Some(Duration::from_secs(120)), &mut rng) else {
            panic!()
        };
        assert_eq!(delay, Duration::from_secs(120));
        let AfterFailure::RetryIn { delay, .. } = after_failure(3, Some(Duration::from_secs(1)), &mut rng) else {
            panic!()
        };
        assert!(delay >= Duration::from_secs(96 * 60), "the schedule still applies: {delay:?}");
        let AfterFailure::RetryIn { delay, .. } = after_failure(0, Some(Duration::from_secs(9 * 24 * 3600)), &mut rng) else {
            panic!()
        };
        assert_eq!(delay, RETRY_AFTER_CAP);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now: DateTime<Utc> = "2026-11-25T13:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after(" 30 ", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 13:02:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("Wed, 25 Nov 2026 12:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
