//! A partition object's reader, read a little at a time as a merge of sorted runs reads
//! it: left alone for a while, it goes on at once.

use crate::support::Env;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use tiqets_contract::PartObject;
use tiqets_merger::partitioned::Parts;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_left_alone_goes_on_at_once_with_every_byte() {
    let env = Env::new().await;
    let work = env
        .put_batch(
            "reader",
            b"order_id,customer_id\n1,2\n",
            b"barcode,order_id\nA,1\n",
        )
        .await;
    let parts = Parts::open(&env.bus, &work.batch).await.unwrap();
    // 8 MiB: 16 chunks of the object store, each byte its position's.
    let object: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
    let (mut w, pending) = parts.put(PartObject::Orders(0));
    let bytes = object.clone();
    let written = tokio::task::spawn_blocking(move || {
        w.write_all(&bytes)?;
        w.close(Ok(()))
    })
    .await
    .unwrap();
    pending.stored(&parts, written).await.unwrap();

    let mut reader = parts.reader(PartObject::Orders(0)).await.unwrap();
    let (read, after_pause) = tokio::task::spawn_blocking(move || {
        let mut read = vec![0u8; 1 << 20];
        reader.read_exact(&mut read).unwrap();
        // Longer than a pull consumer's idle heartbeat and pull expiry.
        std::thread::sleep(Duration::from_secs(5));
        let t = Instant::now();
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        read.extend(rest);
        (read, t.elapsed())
    })
    .await
    .unwrap();
    assert!(read == object, "the object read back differs");
    assert!(
        after_pause < Duration::from_secs(2),
        "7 MiB took {after_pause:?} after the pause"
    );
}
