//! Reading a server-sent-events response frame by frame.

use std::time::Duration;
use tiqets_contract::StatusEvent;

pub struct Sse {
    res: reqwest::Response,
    buf: String,
}

/// One frame: its `id`, `event` and `data` fields, or the comment lines of a comment-only
/// frame.
#[derive(Debug, Default)]
pub struct Frame {
    pub id: Option<u64>,
    pub event: Option<String>,
    pub data: Option<String>,
    pub comments: Vec<String>,
}

impl Sse {
    pub fn new(res: reqwest::Response) -> Sse {
        assert_eq!(res.status(), 200);
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Sse {
            res,
            buf: String::new(),
        }
    }

    /// The next frame within `wait`, or `None` when the stream ended.
    pub async fn frame(&mut self, wait: Duration) -> Option<Frame> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let text: String = self.buf.drain(..end + 2).collect();
                let mut frame = Frame::default();
                for line in text.lines() {
                    if let Some(c) = line.strip_prefix(':') {
                        frame.comments.push(c.trim().to_string());
                    } else if let Some((k, v)) = line.split_once(": ") {
                        match k {
                            "id" => frame.id = Some(v.parse().unwrap()),
                            "event" => frame.event = Some(v.to_string()),
                            "data" => frame.data = Some(v.to_string()),
                            _ => {}
                        }
                    }
                }
                return Some(frame);
            }
            let chunk = tokio::time::timeout(wait, self.res.chunk())
                .await
                .expect("a frame in time")
                .expect("the stream reads");
            match chunk {
                Some(bytes) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => return None,
            }
        }
    }

    /// The next status event (skipping comments), with its id.
    pub async fn status(&mut self, wait: Duration) -> (u64, StatusEvent) {
        loop {
            let frame = self.frame(wait).await.expect("the stream goes on");
            if let Some(data) = frame.data {
                assert_eq!(frame.event.as_deref(), Some("status"));
                return (
                    frame.id.expect("an id"),
                    serde_json::from_str(&data).unwrap(),
                );
            }
        }
    }
}
