//! Bounded mutation test: thousands of deterministic mutations of the real
//! specs (deleted, duplicated, swapped and replaced tokens, deleted lines,
//! truncations, inserted junk). `compile_source` must never panic, and must
//! return either a platform or at least one diagnostic, which must render.

use std::panic::{AssertUnwindSafe, catch_unwind};

use platc::compile_source;

/// Junk inserted between or instead of tokens.
const JUNK: &[&str] = &[
    "=",
    "{",
    "}",
    "\"",
    "#true",
    "#null",
    "-1",
    "0",
    "99999999999999999999999999999999999999",
    "1e999",
    "0.5",
    "é",
    "🦀",
    "\u{202e}",
    "/-",
    ";",
    "x=",
    "production=",
    "index=4294967295",
    "prefix=0",
    "prefix=32",
    "\"10.0.0.0/0\"",
    "\"255.255.255.255/32\"",
    "\"\"",
    "(u8)",
];

/// Byte ranges of whitespace-separated tokens.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// A small deterministic generator (64-bit LCG).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn mutate(text: &str, toks: &[(usize, usize)], rng: &mut Rng) -> String {
    let (s, e) = toks[rng.below(toks.len())];
    let junk = JUNK[rng.below(JUNK.len())];
    match rng.below(8) {
        0 => format!("{}{}", &text[..s], &text[e..]),
        1 => format!("{}{} {}", &text[..e], &text[s..e], &text[e..]),
        2 => {
            let i = rng.below(toks.len().saturating_sub(1));
            let (a0, a1) = toks[i];
            let (b0, b1) = toks[(i + 1).min(toks.len() - 1)];
            if b0 <= a1 {
                return text.to_string();
            }
            format!(
                "{}{}{}{}{}",
                &text[..a0],
                &text[b0..b1],
                &text[a1..b0],
                &text[a0..a1],
                &text[b1..]
            )
        }
        3 => {
            let mut cut = rng.below(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
        4 => format!("{}{junk}{}", &text[..s], &text[s..]),
        5 => format!("{}{junk}{}", &text[..s], &text[e..]),
        6 => {
            let lines: Vec<&str> = text.lines().collect();
            let drop = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        _ => {
            // Two mutations at once.
            let once = mutate(text, toks, rng);
            let toks2 = tokens(&once);
            if toks2.is_empty() {
                once
            } else {
                mutate(&once, &toks2, rng)
            }
        }
    }
}

thread_local! {
    /// Render the human report too (slow in debug builds; done for a sample).
    static RENDER: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

fn check(path: &str, text: &str) -> Result<(), String> {
    let result = catch_unwind(AssertUnwindSafe(|| match compile_source(path, text) {
        Ok(_) => Ok(()),
        Err(d) if d.is_empty() => Err("Err with no diagnostics".to_string()),
        Err(d) => {
            let human = if RENDER.with(|r| r.get()) {
                d.render_human(false)
            } else {
                String::from("-")
            };
            let json = d.render_json();
            if human.is_empty() || serde_json::from_str::<serde_json::Value>(&json).is_err() {
                return Err("bad rendering".to_string());
            }
            Ok(())
        }
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err("panicked".to_string()),
    }
}

#[test]
fn mutated_specs_never_panic() {
    const PER_SPEC: usize = 1500;
    let mut failures = Vec::new();
    for (seed, path) in [
        (1u64, "specs/octo.kdl"),
        (2, "specs/api-worker.kdl"),
        (3, "specs/shopmicro.kdl"),
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        let toks = tokens(&text);
        let mut rng = Rng(seed);
        for n in 0..PER_SPEC {
            let mutated = mutate(&text, &toks, &mut rng);
            RENDER.with(|r| r.set(n % 10 == 0));
            if let Err(why) = check(path, &mutated) {
                failures.push(format!(
                    "{path} mutation #{n}: {why}\n--- text ---\n{mutated}"
                ));
                if failures.len() > 3 {
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn odd_inputs_never_panic() {
    let cases = [
        "",
        " ",
        "\u{feff}",
        "{",
        "}",
        "platform",
        "platform {}",
        "platform a { cloud azure region=x; repository \"a/b\" }\nenvironment e network=\"0.0.0.0/0\"\nnetwork { subnet s index=4294967295 prefix=32 }\ncluster c { kubernetes \"1.1\"; subnet s; node-pool p { vm-size x; count 4294967295 } }\ndelivery { registry acr; state azure-storage }\nservice s { image \"a\"; port 65535 }",
        "environment e network=\"10.0.0.0/8\"\nnetwork { subnet s index=0 prefix=8 }",
        "environment é network=\"10.0.0.0/16\"",
        "service \"\" { }",
        "(t)service x { image (u8)\"a\" }",
    ];
    for c in cases {
        check("odd.kdl", c).unwrap_or_else(|why| panic!("{c:?}: {why}"));
    }
}

#[test]
#[ignore]
fn timing() {
    let text = std::fs::read_to_string("specs/octo.kdl").unwrap();
    let t = std::time::Instant::now();
    for _ in 0..100 {
        let _ = kdl::KdlDocument::parse_v2(&text);
    }
    eprintln!("parse: {:?}", t.elapsed() / 100);
    let t = std::time::Instant::now();
    for _ in 0..100 {
        let _ = compile_source("x", &text);
    }
    eprintln!("compile: {:?}", t.elapsed() / 100);
}
