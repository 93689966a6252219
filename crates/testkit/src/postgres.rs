//! A throwaway PostgreSQL cluster owned by the test process, optionally speaking TLS only.

use crate::process::{
    apt_install, free_port, scratch_dir, spawn_owned, stop_child, wait_for, which,
};
use std::fs::File;
use std::io;
use std::os::unix::fs::{chown, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// A PostgreSQL cluster in a temporary directory (trust auth, user `postgres`, tuned for
/// tests: no fsync). It can be stopped and started again to test recovery; dropping it stops
/// it and removes its files. Tests that stop the database use their own cluster, never the
/// shared one.
pub struct OwnedPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    user: Option<(u32, u32)>,
    /// `-c name=value` settings beyond the test tuning (TLS).
    settings: Vec<String>,
    child: Mutex<Option<Child>>,
}

/// TLS for [`OwnedPostgres::start_tls`]: the server's certificate and key (PEM), and the CA
/// that client certificates must chain to, if clients may authenticate with one.
#[derive(Debug, Clone)]
pub struct PostgresTls {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub client_ca_file: Option<PathBuf>,
}

impl OwnedPostgres {
    /// The role that, on a server with a client CA, authenticates by client certificate
    /// (whose common name must be this): `hostssl all <it> 127.0.0.1/32 cert`. The test
    /// creates the role.
    pub const CERT_USER: &'static str = "tiqets_client";

    /// Creates a cluster on a free port and starts it (installs PostgreSQL when missing).
    pub fn start() -> io::Result<OwnedPostgres> {
        OwnedPostgres::start_inner(None)
    }

    /// Like [`OwnedPostgres::start`], with `ssl=on` and the given certificate, and a
    /// `pg_hba.conf` that takes TCP connections from 127.0.0.1 over TLS only (`hostssl …
    /// trust`; plain ones are rejected by `host … reject`). With a client CA
    /// (`ssl_ca_file`), [`OwnedPostgres::CERT_USER`] must present a client certificate.
    /// The files are copied into the cluster's directory (the key with mode 0600, owned by
    /// the user the server runs as), which is removed on drop.
    pub fn start_tls(tls: &PostgresTls) -> io::Result<OwnedPostgres> {
        OwnedPostgres::start_inner(Some(tls))
    }

    fn start_inner(tls: Option<&PostgresTls>) -> io::Result<OwnedPostgres> {
        let bin = match pg_bindir() {
            Some(b) => b,
            None => {
                apt_install(&["postgresql"])?;
                pg_bindir().ok_or_else(|| io::Error::other("PostgreSQL binaries not found"))?
            }
        };
        let dir = scratch_dir("pg")?;
        // PostgreSQL refuses to run as root: run it as the `postgres` user then.
        let user = if unsafe { libc::geteuid() } == 0 {
            // SAFETY: geteuid cannot fail.
            let ids = postgres_user_ids()
                .ok_or_else(|| io::Error::other("running as root and no `postgres` user"))?;
            chown(&dir, Some(ids.0), Some(ids.1))?;
            Some(ids)
        } else {
            None
        };
        let mut pg = OwnedPostgres {
            dir,
            bin,
            port: free_port()?,
            user,
            settings: Vec::new(),
            child: Mutex::new(None),
        };
        pg.initdb()?;
        if let Some(tls) = tls {
            pg.configure_tls(tls)?;
        }
        pg.start_again()?;
        Ok(pg)
    }

    /// Copies the certificates in, sets the `ssl*` settings and writes `pg_hba.conf`.
    fn configure_tls(&mut self, tls: &PostgresTls) -> io::Result<()> {
        let install = |from: &Path, name: &str, mode: u32| -> io::Result<PathBuf> {
            let to = self.dir.join(name);
            std::fs::copy(from, &to)?;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode))?;
            if let Some((uid, gid)) = self.user {
                chown(&to, Some(uid), Some(gid))?;
            }
            Ok(to)
        };
        let cert = install(&tls.cert_file, "server.crt", 0o644)?;
        let key = install(&tls.key_file, "server.key", 0o600)?;
        self.settings = vec![
            "ssl=on".into(),
            format!("ssl_cert_file={}", cert.display()),
            format!("ssl_key_file={}", key.display()),
        ];
        let mut hba = String::from("local all all trust\n");
        if let Some(ca) = &tls.client_ca_file {
            let ca = install(ca, "client-ca.crt", 0o644)?;
            self.settings.push(format!("ssl_ca_file={}", ca.display()));
            hba.push_str(&format!(
                "hostssl all {} 127.0.0.1/32 cert\n",
                OwnedPostgres::CERT_USER
            ));
        }
        hba.push_str("hostssl all all 127.0.0.1/32 trust\n");
        hba.push_str("host all all 127.0.0.1/32 reject\n");
        // Written over initdb's file, which keeps its owner.
        std::fs::write(self.data().join("pg_hba.conf"), hba)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// URL of the server's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.current_dir(&self.dir).stdin(Stdio::null());
        if let Some((uid, gid)) = self.user {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn initdb(&self) -> io::Result<()> {
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(self.data())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .stdout(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn start_again(&self) -> io::Result<()> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if child.is_some() {
            return Ok(());
        }
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("postgres.log"))?;
        if let Some((uid, gid)) = self.user {
            chown(self.dir.join("postgres.log"), Some(uid), Some(gid))?;
        }
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(self.data())
            .args(["-p", &self.port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(&self.dir)
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
            .args(self.settings.iter().flat_map(|s| ["-c", s.as_str()]))
            .stdout(log.try_clone()?)
            .stderr(log);
        // SIGINT is PostgreSQL's "fast shutdown".
        let mut spawned = spawn_owned(cmd, libc::SIGINT)?;
        let ready = wait_for(Duration::from_secs(60), || {
            if let Ok(Some(_)) = spawned.try_wait() {
                return true;
            }
            self.command("pg_isready")
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success())
        });
        if !ready || !matches!(spawned.try_wait(), Ok(None)) {
            stop_child(&mut spawned, libc::SIGQUIT, Duration::from_secs(5));
            return Err(io::Error::other(format!(
                "PostgreSQL did not start; see {}",
                self.dir.join("postgres.log").display()
            )));
        }
        *child = Some(spawned);
        Ok(())
    }

    /// Stops the server (fast shutdown: open connections are cut) and waits for it to exit.
    pub fn stop(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut c) = child.take() {
            stop_child(&mut c, libc::SIGINT, Duration::from_secs(30));
        }
    }

    /// Crashes the server: an immediate shutdown (SIGQUIT, what `pg_ctl stop -m immediate`
    /// sends), with no checkpoint, so the next start recovers from the WAL. It stays down
    /// until [`OwnedPostgres::start_again`].
    pub fn crash(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut c) = child.take() {
            stop_child(&mut c, libc::SIGQUIT, Duration::from_secs(30));
        }
    }

    /// Stops and starts the server.
    pub fn restart(&self) -> io::Result<()> {
        self.stop();
        self.start_again()
    }
}

impl Drop for OwnedPostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin`, else what `pg_config --bindir` says.
fn pg_bindir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let pg_config = which("pg_config")?;
    let out = Command::new(pg_config).arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    Path::new(&bin).join("initdb").is_file().then_some(bin)
}

/// uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.first() == Some(&"postgres") && f.len() > 3)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}
