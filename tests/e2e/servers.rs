//! Builds the release wasm and local-origin, then starts local-origin and Viceroy on free ports.
//! Both child processes are stopped when `Servers` is dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Viceroy's first-byte timeout towards the origin in tests (the fault route sleeps longer).
pub const ORIGIN_TIMEOUT_MS: u64 = 2000;

/// Secret Store `ixora_tokens` in the test manifest: name → value.
pub const TOKENS: &[(&str, &str)] = &[
    ("demo", "demo-token"),
    ("next", "next-token"),
    ("foo", "FOO123bar"),
    ("ten", "10adc394"),
    ("purge", "purge-e2e-token"),
];

/// Config Store `ixora_sources` in the test manifest: host → JSON (see docs/operations.md).
pub const SOURCES: &[(&str, &str)] = &[
    ("*", r#"{"backend":"origin"}"#),
    ("secure.localhost", r#"{"backend":"origin","secure":true,"tokens":["retired","demo","next"]}"#),
    ("vectors.localhost", r#"{"backend":"origin","secure":true,"tokens":["foo","ten"]}"#),
    ("defaults.localhost", r#"{"backend":"origin","defaults":"w=64&fm=png"}"#),
    ("prefix.localhost", r#"{"backend":"origin","prefix":"/_fault/delay/1"}"#),
    ("ttl.localhost", r#"{"backend":"origin","ttl":1}"#),
    ("strict.localhost", r#"{"backend":"origin","strict":true}"#),
    (
        "proxy.localhost",
        r#"{"backend":"origin","web_proxy":true,"proxy_hosts":["127.0.0.1","10.0.0.1","*.example.com"],"tokens":["demo"]}"#,
    ),
];

/// The `[local_server]` stores for ixora's sources and tokens, as TOML.
pub fn stores_toml(sources: &[(&str, &str)]) -> String {
    let mut t = String::from("[local_server.config_stores.ixora_sources]\nformat = \"inline-toml\"\n");
    t.push_str("[local_server.config_stores.ixora_sources.contents]\n");
    for (host, json) in sources {
        t.push_str(&format!("\"{host}\" = '{json}'\n"));
    }
    t.push_str("\n[local_server.secret_stores]\nixora_tokens = [");
    let entries: Vec<String> = TOKENS.iter().map(|(k, v)| format!("{{key = \"{k}\", data = \"{v}\"}}")).collect();
    t.push_str(&entries.join(", "));
    t.push_str("]\n");
    t
}

/// An `ixora_settings` config store with these entries, as TOML (empty for none).
fn settings_toml(settings: &[(&str, &str)]) -> String {
    if settings.is_empty() {
        return String::new();
    }
    let mut t = String::from("\n[local_server.config_stores.ixora_settings]\nformat = \"inline-toml\"\n");
    t.push_str("[local_server.config_stores.ixora_settings.contents]\n");
    for (k, v) in settings {
        t.push_str(&format!("{k} = \"{v}\"\n"));
    }
    t
}

pub struct Servers {
    pub edge: String,
    pub origin: String,
    /// File names in ../shared/corpus, when that folder exists.
    pub corpus: Option<Vec<String>>,
    children: Vec<Child>,
    dir: TempDir,
    wasm: PathBuf,
}

/// A second Viceroy with its own manifest (same wasm, same origin), stopped on drop.
pub struct ExtraEdge {
    pub addr: String,
    child: Child,
}

impl Drop for ExtraEdge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn cargo(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo).args(args).current_dir(root()).status().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed", args.join(" ")))
    }
}

/// `viceroy` from $VICEROY, $PATH or cargo's bin folder.
fn viceroy() -> Result<PathBuf, String> {
    if let Ok(v) = std::env::var("VICEROY") {
        return Ok(v.into());
    }
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("viceroy")).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/viceroy")));
    for c in candidates {
        if c.is_file() {
            return Ok(c);
        }
    }
    Err("viceroy is not installed: run `make test` (it installs it) or `cargo install --locked viceroy`".into())
}

fn wait_until_up(addr: &str, child: &mut Child, what: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{what} exited early: {status}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{what} did not listen on {addr}"))
}

impl Servers {
    /// The last lines Viceroy printed (its log endpoint lines and errors), for failure reports.
    pub fn viceroy_log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.dir.0.join("viceroy.log")).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Starts another Viceroy on a free port whose ixora_sources hold only `sources`.
    pub fn extra_edge(&self, sources: &[(&str, &str)]) -> Result<ExtraEdge, String> {
        self.extra_edge_with_settings(sources, &[])
    }

    /// Like `extra_edge`, with these `ixora_settings` entries (key, value).
    pub fn extra_edge_with_settings(
        &self,
        sources: &[(&str, &str)],
        settings: &[(&str, &str)],
    ) -> Result<ExtraEdge, String> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let manifest = self.dir.0.join(format!("fastly-{port}.toml"));
        let origin = &self.origin;
        std::fs::write(
            &manifest,
            format!(
                "manifest_version = 3\nname = \"ixora-e2e-extra\"\nlanguage = \"rust\"\n\n\
                 [local_server.backends.origin]\nurl = \"http://{origin}/\"\n\n{}{}",
                stores_toml(sources),
                settings_toml(settings)
            ),
        )
        .map_err(|e| e.to_string())?;
        let child = Command::new(viceroy()?)
            .arg("serve")
            .arg("-C")
            .arg(&manifest)
            .args(["--addr", &addr])
            .arg(&self.wasm)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("viceroy: {e}"))?;
        let mut edge = ExtraEdge { addr, child };
        wait_until_up(&edge.addr.clone(), &mut edge.child, "extra viceroy")?;
        Ok(edge)
    }

    pub fn start() -> Result<Servers, String> {
        // Always test the current code: cargo makes these no-ops when nothing changed.
        if std::env::var_os("IXORA_E2E_NO_BUILD").is_none() {
            cargo(&["build", "--release", "--bin", "ixora", "--target", "wasm32-wasip1"])?;
            cargo(&["build", "--release", "-p", "local-origin"])?;
        }
        let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
        let wasm = target.join("wasm32-wasip1/release/ixora.wasm");
        let origin_bin = target.join("release/local-origin");
        for p in [&wasm, &origin_bin] {
            if !p.is_file() {
                return Err(format!("{} is missing", p.display()));
            }
        }

        let dir = TempDir(std::env::temp_dir().join(format!("ixora-e2e-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0).map_err(|e| e.to_string())?;
        let (origin_port, edge_port) = (free_port()?, free_port()?);
        let origin = format!("127.0.0.1:{origin_port}");
        let edge = format!("127.0.0.1:{edge_port}");

        let corpus_dir = root().join("../shared/corpus");
        let corpus = corpus_dir.is_dir().then(|| {
            let mut names: Vec<String> = std::fs::read_dir(&corpus_dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.ends_with(".tsv") && !n.ends_with(".md") && !n.ends_with(".txt") && !n.starts_with('.'))
                .collect();
            names.sort();
            names
        });

        let mut children = Vec::new();
        let mut cmd = Command::new(&origin_bin);
        cmd.args(["--port", &origin_port.to_string()]).stdout(Stdio::null());
        if corpus.is_some() {
            cmd.arg("--dir").arg(&corpus_dir);
        }
        children.push(cmd.spawn().map_err(|e| format!("local-origin: {e}"))?);

        let manifest = dir.0.join("fastly.toml");
        std::fs::write(
            &manifest,
            format!(
                "manifest_version = 3\nname = \"ixora-e2e\"\nlanguage = \"rust\"\n\n\
                 [local_server.backends.origin]\nurl = \"http://{origin}/\"\n\n\
                 [local_server.config_stores.ixora_settings]\nformat = \"inline-toml\"\n\
                 [local_server.config_stores.ixora_settings.contents]\norigin_timeout_ms = \"{ORIGIN_TIMEOUT_MS}\"\n\n{}",
                stores_toml(SOURCES)
            ),
        )
        .map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.0.join("viceroy.log")).map_err(|e| e.to_string())?;
        children.push(
            Command::new(viceroy()?)
                .arg("serve")
                .arg("-C")
                .arg(&manifest)
                .args(["--addr", &edge])
                .arg(&wasm)
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| format!("viceroy: {e}"))?,
        );
        let mut servers = Servers { edge, origin, corpus, children, dir, wasm };
        let (a, b) = servers.children.split_at_mut(1);
        wait_until_up(&servers.origin, &mut a[0], "local-origin")?;
        wait_until_up(&servers.edge, &mut b[0], "viceroy")?;
        Ok(servers)
    }
}
