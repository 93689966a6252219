//! A throwaway NATS server with JetStream, owned by the test process: open to anyone, or
//! with a configuration file (users and permissions) and the environment it reads.

use crate::process::{
    apt_install, free_port, reachable, scratch_dir, spawn_owned, stop_child, wait_for, which,
};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How often a server (or cluster) is started on new ports before giving up.
const ATTEMPTS: u32 = 3;

/// `nats-server -js` on a free port with its store in a temporary directory. Dropping it
/// stops the server and removes the directory.
pub struct OwnedNats {
    dir: PathBuf,
    port: u16,
    child: Child,
    bin: PathBuf,
    config: Option<ServerConfig>,
    /// Further flags (cluster membership).
    extra: Vec<String>,
}

/// A configuration file and the variables it references (e.g. passwords).
#[derive(Debug, Clone)]
struct ServerConfig {
    file: PathBuf,
    env: Vec<(String, String)>,
}

impl OwnedNats {
    /// Starts the server (installs `nats-server` when missing) and waits until it listens.
    pub fn start() -> io::Result<OwnedNats> {
        Self::start_inner(None)
    }

    /// Starts the server with configuration file `file` (`nats-server -c`), its process
    /// environment extended by `env`. The listen address, port and store directory are still
    /// the owned ones (command-line flags win over the file). The server's log is kept (see
    /// [`OwnedNats::log`]).
    pub fn start_with_config(file: &Path, env: &[(&str, &str)]) -> io::Result<OwnedNats> {
        let config = ServerConfig {
            file: file.to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        Self::start_inner(Some(config))
    }

    /// Starts the server with TLS on its client port: `tls { cert_file, key_file }` (PEM),
    /// and with `client_ca_file` also `ca_file` + `verify: true` (every client must present
    /// a certificate signed by that CA). The configuration file is written into the
    /// server's directory. Connect with [`OwnedNats::tls_url`].
    pub fn start_tls(
        cert_file: &Path,
        key_file: &Path,
        client_ca_file: Option<&Path>,
    ) -> io::Result<OwnedNats> {
        let quoted = |p: &Path| format!("{:?}", p.display().to_string());
        let mut block = format!(
            "tls {{\n  cert_file: {}\n  key_file: {}\n  timeout: 5\n",
            quoted(cert_file),
            quoted(key_file)
        );
        if let Some(ca) = client_ca_file {
            block.push_str(&format!("  ca_file: {}\n  verify: true\n", quoted(ca)));
        }
        block.push_str("}\n");
        let dir = scratch_dir("nats")?;
        let file = dir.join("server.conf");
        std::fs::write(&file, block)?;
        let config = ServerConfig {
            file,
            env: Vec::new(),
        };
        Self::start_in(dir, Some(config))
    }

    /// Starts a JetStream cluster of `size` servers on free ports, routed to each other.
    /// JetStream answers once the servers have elected a meta leader (retry the first
    /// calls).
    pub fn start_cluster(size: usize) -> io::Result<Vec<OwnedNats>> {
        // Ports are picked free and then handed over: another process may take one in
        // between, and the server that wanted it exits. Start again on new ports.
        let mut tries = ATTEMPTS;
        loop {
            match Self::try_cluster(size) {
                Err(e) if tries > 1 => {
                    tries -= 1;
                    eprintln!("nats cluster did not start ({e}); retrying on other ports");
                }
                result => return result,
            }
        }
    }

    fn try_cluster(size: usize) -> io::Result<Vec<OwnedNats>> {
        let bin = Self::binary()?;
        let ports: Vec<(u16, u16)> = (0..size)
            .map(|_| Ok((free_port()?, free_port()?)))
            .collect::<io::Result<_>>()?;
        let routes = ports
            .iter()
            .map(|(_, c)| format!("nats://127.0.0.1:{c}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut servers = Vec::with_capacity(size);
        for (i, (port, cluster)) in ports.into_iter().enumerate() {
            let extra = vec![
                "-n".to_string(),
                format!("n{i}"),
                "--cluster_name".into(),
                "tiqets-test".into(),
                "--cluster".into(),
                format!("nats://127.0.0.1:{cluster}"),
                "--routes".into(),
                routes.clone(),
            ];
            let dir = scratch_dir("nats")?;
            let child = Self::spawn(&bin, &dir, port, None, &extra)?;
            servers.push(OwnedNats {
                dir,
                port,
                child,
                bin: bin.clone(),
                config: None,
                extra,
            });
        }
        Ok(servers)
    }

    fn binary() -> io::Result<PathBuf> {
        match which("nats-server") {
            Some(b) => Ok(b),
            None => {
                apt_install(&["nats-server"])?;
                which("nats-server").ok_or_else(|| io::Error::other("nats-server not found"))
            }
        }
    }

    fn start_inner(config: Option<ServerConfig>) -> io::Result<OwnedNats> {
        Self::start_in(scratch_dir("nats")?, config)
    }

    fn start_in(dir: PathBuf, config: Option<ServerConfig>) -> io::Result<OwnedNats> {
        let bin = Self::binary()?;
        // As in start_cluster: a port taken between its pick and the server's bind.
        let mut tries = ATTEMPTS;
        let (port, child) = loop {
            let port = free_port()?;
            match Self::spawn(&bin, &dir, port, config.as_ref(), &[]) {
                Ok(child) => break (port, child),
                Err(e) if tries > 1 => {
                    tries -= 1;
                    eprintln!("nats-server did not start ({e}); retrying on another port");
                }
                Err(e) => return Err(e),
            }
        };
        Ok(OwnedNats {
            dir,
            port,
            child,
            bin,
            config,
            extra: Vec::new(),
        })
    }

    fn spawn(
        bin: &Path,
        dir: &Path,
        port: u16,
        config: Option<&ServerConfig>,
        extra: &[String],
    ) -> io::Result<Child> {
        let mut cmd = Command::new(bin);
        cmd.args(extra);
        if let Some(config) = config {
            cmd.arg("-c").arg(&config.file);
            cmd.envs(config.env.iter().map(|(k, v)| (k, v)));
            cmd.arg("-l").arg(dir.join("server.log"));
        }
        // Without a log file the server writes to stderr: keep it, to say why it stopped.
        let output = dir.join("output.log");
        let out = std::fs::File::create(&output)?;
        cmd.args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.join("store"))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        let mut child = spawn_owned(cmd, libc::SIGTERM)?;
        let mut exited = false;
        let listening = wait_for(Duration::from_secs(30), || {
            exited = exited || matches!(child.try_wait(), Ok(Some(_)));
            exited || reachable("127.0.0.1", port)
        });
        if exited || !listening {
            stop_child(&mut child, libc::SIGKILL, Duration::from_secs(1));
            let log = if config.is_some() {
                dir.join("server.log")
            } else {
                output
            };
            let said = std::fs::read_to_string(log)
                .unwrap_or_default()
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ");
            return Err(io::Error::other(format!(
                "nats-server on port {port} did not start listening (it said: {said})"
            )));
        }
        Ok(child)
    }

    /// Stops the server (SIGTERM, as a restart would) and starts it again on the same port
    /// with the same store, so JetStream state survives.
    pub fn restart(&mut self) -> io::Result<()> {
        stop_child(&mut self.child, libc::SIGTERM, Duration::from_secs(10));
        self.start_again()
    }

    /// Kills the server (SIGKILL, a crash: nothing is flushed) and leaves it down until
    /// [`OwnedNats::start_again`].
    pub fn kill(&mut self) {
        stop_child(&mut self.child, libc::SIGKILL, Duration::from_secs(10));
    }

    /// Starts the server again on the same port with the same store (after
    /// [`OwnedNats::kill`]).
    pub fn start_again(&mut self) -> io::Result<()> {
        self.child = Self::spawn(
            &self.bin,
            &self.dir,
            self.port,
            self.config.as_ref(),
            &self.extra,
        )?;
        Ok(())
    }

    /// The server's log so far (kept only for servers started with a configuration file).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// `tls://127.0.0.1:<port>` (for a server started with [`OwnedNats::start_tls`]).
    pub fn tls_url(&self) -> String {
        format!("tls://127.0.0.1:{}", self.port)
    }

    /// The client port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for OwnedNats {
    fn drop(&mut self) {
        stop_child(&mut self.child, libc::SIGTERM, Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
