use super::*;
use domain::ApplicationState;

fn code() -> NationalCode {
    NationalCode::parse("0499370899").unwrap()
}

fn tc(n: u64) -> TrackingCode {
    TrackingCode::from_body(n)
}

fn view(row: i64, state: ApplicationState) -> StatusView {
    StatusView {
        row: ApplicationRow(row),
        national_code: code(),
        state,
        updated_at: "2026-12-01T10:00:00Z".parse().unwrap(),
        office: None,
    }
}

fn synchronous(capacity: usize) -> StatusCache {
    let c = StatusCache::new(capacity);
    c.start(Watch { synchronous: true });
    c
}

#[test]
fn answers_only_the_pair_it_was_filled_for() {
    let c = synchronous(10);
    c.fill(
        &tc(1),
        &view(1, ApplicationState::AwaitingPayment),
        c.ticket(),
    );
    assert_eq!(
        c.get(&tc(1), &code()).map(|v| v.state),
        Some(ApplicationState::AwaitingPayment)
    );
    let other = NationalCode::parse("0067749828").unwrap();
    assert!(c.get(&tc(1), &other).is_none(), "another national code");
    assert!(c.get(&tc(2), &code()).is_none(), "another tracking code");
}

#[test]
fn a_change_drops_the_row_and_refuses_fills_read_before_it() {
    let c = synchronous(10);
    c.fill(
        &tc(1),
        &view(7, ApplicationState::AwaitingPayment),
        c.ticket(),
    );
    // A read began, then the row changed and its notice came, then the read tries to fill what it saw.
    let before = c.ticket();
    c.changed(ApplicationRow(7));
    assert!(c.get(&tc(1), &code()).is_none(), "dropped by the notice");
    c.fill(&tc(1), &view(7, ApplicationState::AwaitingPayment), before);
    assert!(
        c.get(&tc(1), &code()).is_none(),
        "a read from before the change is not kept"
    );
    // A read that began after the notice is kept.
    c.fill(
        &tc(1),
        &view(7, ApplicationState::AwaitingAppointment),
        c.ticket(),
    );
    assert_eq!(
        c.get(&tc(1), &code()).map(|v| v.state),
        Some(ApplicationState::AwaitingAppointment)
    );
    // Another row's change does not refuse it.
    let t = c.ticket();
    c.changed(ApplicationRow(8));
    c.fill(&tc(2), &view(9, ApplicationState::Enrolled), t);
    assert!(c.get(&tc(2), &code()).is_some());
}

#[test]
fn clearing_refuses_every_read_from_before() {
    let c = synchronous(10);
    let before = c.ticket();
    c.clear();
    c.fill(&tc(1), &view(1, ApplicationState::Enrolled), before);
    assert!(c.is_empty());
}

#[test]
fn off_until_started_and_bounded_by_capacity() {
    let c = StatusCache::new(3);
    c.fill(&tc(1), &view(1, ApplicationState::Enrolled), c.ticket());
    assert!(c.get(&tc(1), &code()).is_none() && c.is_empty(), "off");
    c.start(Watch { synchronous: true });
    for n in 1..=5 {
        c.fill(
            &tc(n),
            &view(n as i64, ApplicationState::Enrolled),
            c.ticket(),
        );
    }
    assert_eq!(c.len(), 3);
    assert!(c.get(&tc(1), &code()).is_none(), "the oldest went first");
    assert!(c.get(&tc(5), &code()).is_some());
    // Dropping an evicted row is harmless; the newest stay.
    c.changed(ApplicationRow(1));
    assert_eq!(c.len(), 3);
}

#[test]
fn a_fenced_cache_answers_only_while_caught_up() {
    let c = StatusCache::new(10);
    c.start(Watch { synchronous: false });
    c.fill(&tc(1), &view(1, ApplicationState::Enrolled), c.ticket());
    assert!(
        c.get(&tc(1), &code()).is_none(),
        "no fence has come back yet"
    );
    c.caught_up(Instant::now());
    assert!(c.get(&tc(1), &code()).is_some());
    // A fence sent longer ago than the lag allows does not count.
    let c2 = StatusCache::new(10);
    c2.start(Watch { synchronous: false });
    c2.fill(&tc(1), &view(1, ApplicationState::Enrolled), c2.ticket());
    std::thread::sleep(MAX_LAG + Duration::from_millis(50));
    c2.caught_up(c2.epoch + Duration::from_millis(1));
    assert!(c2.get(&tc(1), &code()).is_none(), "stale fence");
    // Lost notices: nothing is answered and everything is gone.
    c.lost();
    assert!(c.get(&tc(1), &code()).is_none() && c.is_empty());
}

#[test]
fn nothing_is_kept_of_a_row_while_its_change_commits() {
    let c = synchronous(10);
    c.fill(&tc(1), &view(3, ApplicationState::Enrolled), c.ticket());
    c.changing(ApplicationRow(3));
    assert!(
        c.get(&tc(1), &code()).is_none(),
        "dropped as the commit begins"
    );
    // A read that began after the commit began may still have seen the old row.
    c.fill(&tc(1), &view(3, ApplicationState::Enrolled), c.ticket());
    assert!(
        c.get(&tc(1), &code()).is_none(),
        "not kept while committing"
    );
    c.clear();
    c.fill(&tc(1), &view(3, ApplicationState::Enrolled), c.ticket());
    assert!(c.is_empty(), "still committing after a clear");
    c.changed(ApplicationRow(3));
    c.fill(
        &tc(1),
        &view(3, ApplicationState::ReadyForPickup),
        c.ticket(),
    );
    assert_eq!(
        c.get(&tc(1), &code()).map(|v| v.state),
        Some(ApplicationState::ReadyForPickup)
    );
}
