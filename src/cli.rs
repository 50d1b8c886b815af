//! The native `ixora` command line: render a file, print the generated docs.

use ixora::codec::Limits;

const USAGE: &str = "usage: ixora render <input> '<query>' -o <output> [--accept <Accept header>]\n       ixora parameters    (prints docs/parameters.md)\n       ixora pipeline      (prints docs/pipeline.md)";

pub fn run(args: Vec<String>) -> i32 {
    match args.first().map(String::as_str) {
        Some("parameters") => {
            print!("{}", ixora::params::docs::markdown());
            0
        }
        Some("pipeline") => {
            print!("{}", ixora::pipeline::steps_markdown());
            0
        }
        Some("render") => match render(&args[1..]) {
            Ok(()) => 0,
            Err(msg) => {
                eprintln!("ixora: {msg}");
                1
            }
        },
        _ => {
            eprintln!("{USAGE}");
            2
        }
    }
}

fn render(args: &[String]) -> Result<(), String> {
    let (mut positional, mut output, mut accept) = (Vec::new(), None, String::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" | "--output" => output = it.next().cloned(),
            "--accept" => accept = it.next().cloned().unwrap_or_default(),
            _ => positional.push(a.clone()),
        }
    }
    let [input, query] = positional.as_slice() else { return Err(USAGE.into()) };
    let output = output.ok_or(USAGE)?;
    let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let params = ixora::params::parse(query.trim_start_matches('?')).map_err(|e| e.to_string())?;
    let rendered = ixora::render(&bytes, &params, &ixora::service::accepts::read(&accept), &Limits::default())
        .map_err(|e| e.to_string())?;
    std::fs::write(&output, &rendered.body).map_err(|e| format!("{output}: {e}"))?;
    let t = rendered.timings;
    eprintln!(
        "{}x{} {} {} bytes (decode {:.1} ms, transform {:.1} ms, encode {:.1} ms, heap peak {:.1} MiB)",
        rendered.width,
        rendered.height,
        rendered.mime,
        rendered.body.len(),
        t.decode,
        t.transform,
        t.encode,
        ixora::measure::peak_bytes() as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}
