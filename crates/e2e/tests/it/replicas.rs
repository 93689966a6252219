//! `tiqets-admin setup-nats --replicas 3` on a real three-server JetStream cluster: every stream
//! and the file bucket get three copies, and streams created earlier with one are raised.

use std::time::Duration;
use tiqets_bus::{setup, Bus};
use tiqets_contract::Names;
use tiqets_testkit::{eventually, OwnedNats};

async fn replicas(bus: &Bus, stream: &str) -> (usize, usize) {
    let mut s = bus.jetstream().get_stream(stream).await.unwrap();
    let info = s.info().await.unwrap();
    let peers = info.cluster.as_ref().map_or(0, |c| c.replicas.len());
    (info.config.num_replicas, peers)
}

#[tokio::test]
async fn setup_raises_every_stream_and_the_bucket_to_three_replicas() {
    let cluster = OwnedNats::start_cluster(3).expect("a three-server cluster");
    let names = Names::new("replicas");
    let bus = Bus::connect(&cluster[0].url(), names.clone(), "replicas-test")
        .await
        .unwrap();
    // As the services create them: one copy each (retried until the cluster has a leader).
    eventually(Duration::from_secs(60), || async {
        setup::ensure(&bus).await.ok()
    })
    .await;
    let streams = [
        names.work_stream(),
        names.rows_stream(),
        names.status_stream(),
        names.dead_stream(),
        format!("OBJ_{}", names.files_bucket()),
    ];
    for s in &streams {
        assert_eq!(replicas(&bus, s).await.0, 1, "{s}");
    }
    setup::ensure_replicated(&bus, 3).await.unwrap();
    for s in &streams {
        let (configured, peers) = eventually(Duration::from_secs(30), || async {
            let r = replicas(&bus, s).await;
            (r.1 == 2).then_some(r)
        })
        .await;
        assert_eq!(
            (configured, peers),
            (3, 2),
            "{s}: three copies, two besides the leader"
        );
    }
    // Running it again changes nothing; the services' own one-replica setup lowers nothing.
    setup::ensure_replicated(&bus, 3).await.unwrap();
    setup::ensure(&bus).await.unwrap();
    for s in &streams {
        assert_eq!(replicas(&bus, s).await.0, 3, "{s}");
    }
}
