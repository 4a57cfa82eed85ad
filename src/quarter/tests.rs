use super::testing::t;
use super::*;
use chrono::Datelike;

const SETTLE: i64 = 60;

fn lq(now: &str) -> String {
    loop_quarter(t(now), Duration::seconds(SETTLE)).stem()
}

#[test]
fn seed_readme_table() {
    // The seed README's table, every row, for hh = 10 on 2026-11-24. With
    // SETTLE_SECONDS=60 a row's request window opens 60 s after its last
    // interval ends and closes when the next row's opens.
    // (first request second, last request second, report time, interval ends)
    let rows = [
        ("10:16:00", "10:30:59", "112426.1000", ["10:05", "10:10", "10:15"]),
        ("10:31:00", "10:45:59", "112426.1015", ["10:20", "10:25", "10:30"]),
        ("10:46:00", "11:00:59", "112426.1030", ["10:35", "10:40", "10:45"]),
        // ** hh:00 is of the next hour
        ("11:01:00", "11:15:59", "112426.1045", ["10:50", "10:55", "11:00"]),
    ];
    let at = |hms: &str| t(&format!("2026-11-24T{hms}Z"));
    let settle = Duration::seconds(SETTLE);
    let mut prev_stem = "112426.0945".to_string();
    for (first, last, stem, ends) in rows {
        let q = parse_quarter_arg(stem).unwrap();
        // Report time, and the file name made from it.
        assert_eq!(q.start(), at(&format!("{}:{}:00", &stem[7..9], &stem[9..11])));
        assert_eq!(q.file_name("Q", FileStamp::Start), format!("Q_{stem}.xml"));
        // The three intervals, named by their END, the last at the quarter's end.
        assert_eq!(
            q.interval_ends(),
            ends.map(|e| at(&format!("{e}:00"))),
            "intervals of {stem}"
        );
        assert_eq!(q.interval_ends()[2], q.end());
        // Request-time boundaries, to the second.
        let (first, last) = (at(first), at(last));
        assert_eq!(first, q.end() + settle);
        assert_eq!(loop_quarter(first - Duration::seconds(1), settle).stem(), prev_stem);
        assert_eq!(loop_quarter(first, settle).stem(), stem);
        assert_eq!(loop_quarter(last, settle).stem(), stem);
        assert_eq!(
            loop_quarter(last + Duration::seconds(1), settle).stem(),
            q.next().stem()
        );
        prev_stem = stem.to_string();
    }
    // The README's own window ends (hh:29:59, hh:44:59, hh:59:59, hh:14:59) fall inside.
    assert_eq!(lq("2026-11-24T10:29:59Z"), "112426.1000");
    assert_eq!(lq("2026-11-24T10:44:59Z"), "112426.1015");
    assert_eq!(lq("2026-11-24T10:59:59Z"), "112426.1030");
    assert_eq!(lq("2026-11-24T11:14:59Z"), "112426.1045");
}

#[test]
fn settle_boundary_is_exact_to_the_second() {
    // 10:15:00 + 60 s = 10:16:00 is the first second the 10:00 quarter is built.
    assert_eq!(lq("2026-11-24T10:15:59Z"), "112426.0945");
    assert_eq!(lq("2026-11-24T10:16:00Z"), "112426.1000");
    assert_eq!(
        loop_quarter(t("2026-11-24T10:15:00Z"), Duration::zero()).stem(),
        "112426.1000"
    );
}

#[test]
fn utc_boundaries() {
    // midnight: the 23:45 quarter of the previous day
    assert_eq!(lq("2026-11-25T00:01:00Z"), "112426.2345");
    let q = parse_quarter_arg("112426.2345").unwrap();
    assert_eq!(q.interval_ends()[2], t("2026-11-25T00:00:00Z"));
    // month end, year end, 29 Feb
    assert_eq!(lq("2026-12-01T00:05:00Z"), "113026.2345");
    assert_eq!(lq("2027-01-01T00:10:00Z"), "123126.2345");
    assert_eq!(lq("2028-03-01T00:02:00Z"), "022928.2345");
    assert_eq!(lq("2028-02-29T12:20:00Z"), "022928.1200");
    assert!(parse_quarter_arg("022927.1200").is_err()); // 2027 is not a leap year
    assert!(parse_quarter_arg("022928.1200").is_ok());
    assert_eq!(
        parse_quarter_arg("123126.2345").unwrap().end(),
        t("2027-01-01T00:00:00Z")
    );
}

#[test]
fn file_names_use_the_quarter_start() {
    let q = parse_quarter_arg("2026-11-24T10:00:00Z").unwrap();
    assert_eq!(q.file_name("Q", FileStamp::Start), "Q_112426.1000.xml");
    assert_eq!(q.file_name("AQ", FileStamp::Start), "AQ_112426.1000.xml");
    assert_eq!(q.file_name("AS", FileStamp::Start), "AS_112426.1000.xml");
    assert_eq!(q.to_string(), "112426.1000 (2026-11-24 10:00-10:15 UTC)");
}

#[test]
fn a_loop_inside_the_settle_window_waits_for_the_quarter_that_just_ended() {
    let s = Duration::seconds(60);
    let (q, left) = settle_wait(t("2026-11-24T10:15:00Z"), s).unwrap();
    assert_eq!((q.stem(), left), ("112426.1000".to_string(), s));
    let (q, left) = settle_wait(t("2026-11-24T10:15:59Z"), s).unwrap();
    assert_eq!((q.stem(), left.num_seconds()), ("112426.1000".to_string(), 1));
    assert_eq!(settle_wait(t("2026-11-24T10:16:00Z"), s), None);
    assert_eq!(settle_wait(t("2026-11-24T10:14:59Z"), s), None);
    assert_eq!(settle_wait(t("2026-11-24T10:15:00Z"), Duration::zero()), None);
    // After the wait, loop builds that very quarter.
    let now = t("2026-11-24T10:15:20Z");
    let (q, left) = settle_wait(now, s).unwrap();
    assert_eq!(loop_quarter(now + left, s), q);
}

#[test]
fn end_stamped_names_carry_the_quarter_end_and_read_back() {
    let q = parse_quarter_arg("112426.1000").unwrap();
    assert_eq!(q.file_name("Q", FileStamp::End), "Q_112426.1015.xml");
    assert_eq!(q.file_name("AS", FileStamp::End), "AS_112426.1015.xml");
    assert_eq!(FileStamp::End.quarter_of("112426.1015"), Some(q));
    assert_eq!(FileStamp::Start.quarter_of("112426.1000"), Some(q));
    // The last quarter of a year is named by the next year's first minute.
    let last = parse_quarter_arg("123126.2345").unwrap();
    assert_eq!(last.file_name("Q", FileStamp::End), "Q_010127.0000.xml");
    assert_eq!(FileStamp::End.quarter_of("010127.0000"), Some(last));
    // Only the name form: not RFC 3339, not a misaligned time.
    assert_eq!(FileStamp::Start.quarter_of("2026-11-24T10:00:00Z"), None);
    assert_eq!(FileStamp::End.quarter_of("112426.1010"), None);
}

#[test]
fn parse_rejects_bad_input() {
    for bad in [
        "180917.1000", // the seed README's own example: month 18
        "112426.1007",
        "112426.2400",
        "113126.1000",
        "1124261000",
        "112426.100",
        "11242a.1000",
        "",
        "2026-11-24T10:07:00Z",
        "2026-11-24T10:00:30Z",
        "2026-11-24 10:00",
    ] {
        assert!(parse_quarter_arg(bad).is_err(), "{bad} accepted");
    }
    assert!(matches!(
        parse_quarter_arg("112426.1007"),
        Err(QuarterError::NotAligned(_))
    ));
    // offsets are converted to UTC
    assert_eq!(
        parse_quarter_arg("2026-11-24T11:00:00+01:00").unwrap().stem(),
        "112426.1000"
    );
}

#[test]
fn timeframe_reaches_back_with_a_bucket_of_margin() {
    let q = parse_quarter_arg("112426.1000").unwrap();
    // at 10:16 the quarter start is 16 min back -> 20 + 5
    assert_eq!(timeframe_covering(q, t("2026-11-24T10:16:00Z")), Some(25));
    assert_eq!(timeframe_covering(q, t("2026-11-24T10:20:00Z")), Some(25));
    assert_eq!(timeframe_covering(q, t("2026-11-24T10:20:01Z")), Some(30));
    // 24 h limit
    let now = t("2026-11-25T10:16:00Z");
    assert_eq!(timeframe_covering(q, now), None);
    let oldest = oldest_servable(now);
    assert_eq!(oldest.stem(), "112426.1030");
    assert_eq!(timeframe_covering(oldest, now), Some(1435));
    assert_eq!(timeframe_covering(oldest.prev(), now), None);
}

#[test]
fn ranges() {
    let now = t("2026-11-24T12:20:00Z");
    let s = Duration::seconds(60);
    let a = parse_quarter_arg("112426.1000").unwrap();
    let b = parse_quarter_arg("112426.1045").unwrap();
    assert_eq!(validate_range(a, b, now, s, Reach::Timeframe).unwrap().len(), 4);
    assert_eq!(validate_range(a, a, now, s, Reach::Timeframe).unwrap().len(), 1);
    assert!(matches!(
        validate_range(b, a, now, s, Reach::Timeframe),
        Err(RangeError::EndBeforeStart { .. })
    ));
    let future = parse_quarter_arg("112426.1215").unwrap();
    assert!(matches!(
        validate_range(a, future, now, s, Reach::Timeframe),
        Err(RangeError::NotComplete { .. })
    ));
    let old = parse_quarter_arg("112326.1000").unwrap();
    assert!(matches!(
        validate_range(old, a, now, s, Reach::Timeframe),
        Err(RangeError::TooOld { .. })
    ));
}

#[test]
fn messaging_reaches_back_fourteen_days() {
    let now = t("2026-11-24T12:20:00Z");
    let s = Duration::seconds(60);
    let reach = Reach::Days(KMM_REACH_DAYS);
    let a = parse_quarter_arg("112326.1000").unwrap();
    assert_eq!(validate_range(a, a, now, s, reach).unwrap().len(), 1);
    // 14 days back, less the margin of 15 minutes: 11-10 12:35 is the oldest.
    let oldest = reach.oldest(now);
    assert_eq!(oldest.stem(), "111026.1245");
    assert!(reach.serves(oldest, now) && !reach.serves(oldest.prev(), now));
    let e = validate_range(oldest.prev(), a, now, s, reach).unwrap_err();
    assert_eq!(
        e.to_string(),
        "START 111026.1230 (2026-11-10 12:30-12:45 UTC) is too old: LivePerson keeps 14 days, so the oldest quarter it still serves whole is 111026.1245 (2026-11-10 12:45-13:00 UTC)"
    );
    // The chat reach is the timeframe's.
    assert_eq!(Reach::Timeframe.oldest(now), oldest_servable(now));
}

proptest::proptest! {
    #[test]
    fn loop_quarter_is_the_newest_settled(secs in 0i64..4_000_000_000, settle in 0i64..600) {
        let now = Utc.timestamp_opt(secs, 0).unwrap();
        let settle = Duration::seconds(settle);
        let q = loop_quarter(now, settle);
        proptest::prop_assert!(q.is_settled(now, settle));
        proptest::prop_assert!(!q.next().is_settled(now, settle));
        proptest::prop_assert_eq!(q.start().minute() % 15, 0);
        // MMDDYY round-trips inside chrono's two-digit-year window (2000-2068).
        if (2000..2069).contains(&q.start().year()) {
            proptest::prop_assert_eq!(parse_quarter_arg(&q.stem()), Ok(q));
            for stamp in [FileStamp::Start, FileStamp::End].into_iter().filter(|_| q.end().year() < 2069) {
                let name = q.file_name("Q", stamp);
                let stem = name.strip_prefix("Q_").and_then(|n| n.strip_suffix(".xml")).unwrap_or_default();
                proptest::prop_assert_eq!(stamp.quarter_of(stem), Some(q));
            }
        }
    }

    #[test]
    fn after_the_settle_wait_loop_builds_the_quarter_waited_for(secs in 0i64..4_000_000_000, settle in 0i64..=840) {
        let now = Utc.timestamp_opt(secs, 0).unwrap();
        let settle = Duration::seconds(settle);
        match settle_wait(now, settle) {
            Some((q, left)) => {
                proptest::prop_assert!(left > Duration::zero() && left <= settle);
                proptest::prop_assert_eq!(loop_quarter(now + left, settle), q);
                proptest::prop_assert_eq!(loop_quarter(now, settle), q.prev());
            }
            None => proptest::prop_assert_eq!(loop_quarter(now, settle), Quarter::containing(now).prev()),
        }
    }

    #[test]
    fn timeframe_covers_all_three_intervals(secs in 100_000i64..4_000_000_000, back_q in 0i64..100) {
        let now = Utc.timestamp_opt(secs, 0).unwrap();
        let q = Quarter::containing(now - Duration::minutes(15 * back_q + 15));
        if let Some(tf) = timeframe_covering(q, now) {
            proptest::prop_assert_eq!(tf % 5, 0);
            proptest::prop_assert!(tf <= 1440);
            // The window start is at least one bucket before the quarter start,
            // so the bucket ending at start+5 is whole.
            let window_start = now - Duration::minutes(tf as i64);
            proptest::prop_assert!(window_start <= q.start() - Duration::minutes(5));
            proptest::prop_assert!(window_start > q.start() - Duration::minutes(11));
        }
    }
}
