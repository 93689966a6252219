//! A throwaway NATS server with JetStream, owned by the test process.

use crate::process::{
    apt_install, free_port, reachable, scratch_dir, spawn_owned, stop_child, wait_for, which,
};
use std::io;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `nats-server -js` on a free port with its store in a temporary directory. Dropping it
/// stops the server and removes the directory.
pub struct OwnedNats {
    dir: PathBuf,
    port: u16,
    child: Child,
    bin: PathBuf,
}

impl OwnedNats {
    /// Starts the server (installs `nats-server` when missing) and waits until it listens.
    pub fn start() -> io::Result<OwnedNats> {
        let bin = match which("nats-server") {
            Some(b) => b,
            None => {
                apt_install(&["nats-server"])?;
                which("nats-server").ok_or_else(|| io::Error::other("nats-server not found"))?
            }
        };
        let dir = scratch_dir("nats")?;
        let port = free_port()?;
        let child = Self::spawn(&bin, &dir, port)?;
        Ok(OwnedNats {
            dir,
            port,
            child,
            bin,
        })
    }

    fn spawn(bin: &std::path::Path, dir: &std::path::Path, port: u16) -> io::Result<Child> {
        let mut cmd = Command::new(bin);
        cmd.args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = spawn_owned(cmd, libc::SIGTERM)?;
        if !wait_for(Duration::from_secs(30), || reachable("127.0.0.1", port)) {
            stop_child(&mut child, libc::SIGKILL, Duration::from_secs(1));
            return Err(io::Error::other("nats-server did not start listening"));
        }
        Ok(child)
    }

    /// Stops the server (SIGTERM, as a restart would) and starts it again on the same port
    /// with the same store, so JetStream state survives.
    pub fn restart(&mut self) -> io::Result<()> {
        stop_child(&mut self.child, libc::SIGTERM, Duration::from_secs(10));
        self.child = Self::spawn(&self.bin, &self.dir, self.port)?;
        Ok(())
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnedNats {
    fn drop(&mut self) {
        stop_child(&mut self.child, libc::SIGTERM, Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
