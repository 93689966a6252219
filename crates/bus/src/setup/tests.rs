//! The namespace's stream and consumer configurations, as the server gets them.

use super::*;

#[test]
fn every_stream_of_a_namespace_reads_its_own_subjects() {
    let names = Names::new("t");
    let configs = stream_configs(&names);
    let by_name = |n: String| {
        configs
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("no stream {n}"))
    };
    assert_eq!(configs.len(), 4);
    let work = by_name(names.work_stream());
    assert_eq!(work.subjects, ["t.work.>"]);
    assert_eq!(work.retention, RetentionPolicy::WorkQueue);
    assert_eq!(work.duplicate_window, DUPLICATE_WINDOW);
    assert_eq!(by_name(names.rows_stream()).max_age, DAY);
    let status = by_name(names.status_stream());
    assert_eq!(status.subjects, ["t.status.>", "t.notice.>"]);
    assert!(
        status.max_age.is_zero(),
        "status is kept without an age limit"
    );
    assert_eq!(status.max_messages_per_subject, 1000);
    assert_eq!(by_name(names.dead_stream()).subjects, ["t.dead.>"]);
}

#[test]
fn consumers_are_durable_explicit_ack_and_bounded() {
    let names = Names::new("t");
    for stage in Stage::ALL {
        let pacing = Pacing {
            ack_wait: Duration::from_secs(7),
            max_deliver: 3,
        };
        let c = work_consumer_config(&names, stage, pacing);
        assert_eq!(c.durable_name.as_deref(), Some(stage.consumer()));
        assert_eq!(c.filter_subject, names.work(stage));
        assert_eq!(c.ack_policy, AckPolicy::Explicit);
        assert_eq!((c.ack_wait, c.max_deliver), (Duration::from_secs(7), 3));
    }
    let s = status_consumer_config(&names);
    assert_eq!(s.durable_name.as_deref(), Some("status-recorder"));
    assert_eq!(s.filter_subject, "t.status.*");
    assert_eq!(
        (s.ack_wait, s.max_deliver),
        (STATUS_ACK_WAIT, STATUS_MAX_DELIVER)
    );
}
