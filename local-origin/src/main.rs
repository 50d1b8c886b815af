//! `local-origin [--bind 127.0.0.1] [--port 7677] [--dir PATH]... [--threads 8] [--verbose]`

use std::path::PathBuf;
use std::process::exit;

const USAGE: &str = "usage: local-origin [--bind ADDR] [--port N] [--dir PATH]... [--threads N] [--verbose]
  --bind ADDR    address to listen on (default 127.0.0.1)
  --port N       port, 0 for any free one (default 7677)
  --dir PATH     also serve files from PATH (repeatable; first match wins; samples win over files)
  --threads N    request workers (default 8)
  --verbose      log each request to stderr";

fn die(msg: &str) -> ! {
    eprintln!("local-origin: {msg}\n{USAGE}");
    exit(2)
}

fn main() {
    let mut config = local_origin::Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value =
            || inline.clone().or_else(|| args.next()).unwrap_or_else(|| die(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--bind" => config.bind = value(),
            "--port" => config.port = value().parse().unwrap_or_else(|_| die("--port needs a number 0..=65535")),
            "--dir" => config.dirs.push(PathBuf::from(value())),
            "--threads" => config.threads = value().parse().unwrap_or_else(|_| die("--threads needs a number")),
            "-v" | "--verbose" => config.log = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => die(&format!("unknown argument {other}")),
        }
    }
    if let Err(e) = local_origin::serve(config) {
        eprintln!("local-origin: {e}");
        exit(1);
    }
}
