//! Command line: `platc build`, `platc check`, `platc schema`.
//!
//! Exit codes: 0 ok, 1 spec errors or stale output, 2 usage or I/O errors.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::output::{self, ChangeKind};

#[derive(Debug, Parser)]
#[command(
    name = "platc",
    version,
    about = "Compile a KDL platform spec into Terraform, Kubernetes manifests and GitHub Actions workflows"
)]
pub struct Cli {
    /// How diagnostics are printed.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    pub message_format: MessageFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile specs into their output trees (default `out/<platform>/`).
    ///
    /// Writes atomically, rewrites only changed files and prunes only files it
    /// wrote before (`.platc-manifest`). When neither the spec, its templates,
    /// the platc binary nor any owned file changed since the last build, it
    /// stops after checking them (a fingerprint in ~/.cache/platc;
    /// PLATC_NO_CACHE=1 turns it off).
    Build {
        /// Spec files (KDL).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Output directory (default `out/<platform-name>`); only with one spec.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; print what would change and exit 1 if the tree on disk is stale.
        #[arg(long)]
        check: bool,
    },
    /// Decode and validate specs only.
    Check {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the spec language.
    Schema,
    /// Benchmarks: write a synthetic spec with this many services (stdout without `--out`).
    #[command(hide = true)]
    GenSpec {
        services: usize,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Benchmarks: print the in-process stage times of building a spec, as JSON.
    #[command(hide = true)]
    TimeStages { spec: PathBuf },
}

/// Parses arguments and runs; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(run_cli(&cli))
}

fn run_cli(cli: &Cli) -> u8 {
    match &cli.command {
        Command::GenSpec { services, out } => gen_spec(*services, out.as_deref()),
        Command::TimeStages { spec } => match load(spec, cli.message_format) {
            Ok(text) => match crate::bench_spec::time_stages(&display(spec), &text) {
                Ok(times) => {
                    println!("{}", times.to_json());
                    0
                }
                Err(err) => {
                    eprint!("{err}");
                    1
                }
            },
            Err(c) => c,
        },
        Command::Schema => {
            stdout(&format!("{}\n", crate::schema::spec_schema()));
            0
        }
        Command::Check { specs } => {
            let mut code = 0;
            for spec in specs {
                match load(spec, cli.message_format) {
                    Ok(text) => match crate::compile_source(&display(spec), &text) {
                        Ok(p) => eprintln!(
                            "{}: ok ({} services, {} environments)",
                            display(spec),
                            p.services.len(),
                            p.environments.len()
                        ),
                        Err(diags) => {
                            report(&diags, cli.message_format);
                            code = code.max(1);
                        }
                    },
                    Err(c) => code = code.max(c),
                }
            }
            code
        }
        Command::Build { specs, out, check } => {
            if out.is_some() && specs.len() > 1 {
                eprintln!("error: --out takes one spec; {} were given", specs.len());
                return 2;
            }
            let mut code = 0;
            for spec in specs {
                code = code.max(build_one(spec, out.as_deref(), *check, cli.message_format));
            }
            code
        }
    }
}

fn build_one(spec: &Path, out: Option<&Path>, check: bool, format: MessageFormat) -> u8 {
    let text = match load(spec, format) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let inputs = output::fingerprint::Inputs {
        spec,
        text: &text,
        out,
    };
    if !check && let Some((dir, n)) = output::fingerprint::up_to_date(&inputs) {
        let report = output::WriteReport {
            unchanged: n,
            ..Default::default()
        };
        print_report(&dir, &report, "; nothing changed since the last build");
        return 0;
    }
    let (platform, files) = match crate::build(&display(spec), &text) {
        Ok(r) => r,
        Err(crate::Error::Spec(diags)) => {
            report(&diags, format);
            return 1;
        }
        Err(crate::Error::Path(err)) => {
            eprintln!("error: {err}");
            return 2;
        }
    };
    let dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("out").join(&platform.name));
    if check {
        let changes = output::compare(&files, &dir);
        if changes.is_empty() {
            eprintln!("{}: up to date ({} files)", dir.display(), files.len());
            return 0;
        }
        let mut listing = String::new();
        for c in &changes {
            let what = match c.kind {
                ChangeKind::Added => "would add",
                ChangeKind::Changed => "would change",
                ChangeKind::Removed => "would remove",
            };
            listing.push_str(&format!("{what} {}\n", dir.join(&c.path).display()));
        }
        for c in &changes {
            listing.push_str(&c.diff);
        }
        stdout(&listing);
        eprintln!(
            "{}: stale, {} file(s) differ; run `platc build {}`",
            dir.display(),
            changes.len(),
            display(spec)
        );
        return 1;
    }
    match output::write(&files, &dir) {
        Ok(report) => {
            let templates: Vec<&Path> = platform
                .extra_files
                .iter()
                .map(|f| f.template.as_path())
                .collect();
            output::fingerprint::record(&inputs, &dir, files.paths(), &templates);
            print_report(&dir, &report, "");
            0
        }
        Err(err) => {
            eprintln!("error: writing {}: {err}", dir.display());
            2
        }
    }
}

/// `DIR: N files (W written, U unchanged, P pruned[NOTE])` on stderr.
fn print_report(dir: &Path, report: &output::WriteReport, note: &str) {
    eprintln!(
        "{}: {} files ({} written, {} unchanged, {} pruned{note})",
        dir.display(),
        report.written.len() + report.unchanged,
        report.written.len(),
        report.unchanged,
        report.pruned.len()
    );
}

fn gen_spec(services: usize, out: Option<&Path>) -> u8 {
    let text = crate::bench_spec::generate(services);
    match out {
        None => {
            print!("{text}");
            0
        }
        Some(path) => match fs_err::write(path, text) {
            Ok(()) => 0,
            Err(err) => {
                eprintln!("error: {err}");
                2
            }
        },
    }
}

fn load(spec: &Path, format: MessageFormat) -> Result<String, u8> {
    fs_err::read_to_string(spec).map_err(|err| {
        match format {
            MessageFormat::Human => eprintln!("error: {err}"),
            MessageFormat::Json => eprintln!(
                "{}",
                serde_json::json!({"severity": "error", "message": err.to_string()})
            ),
        }
        2
    })
}

fn report(diags: &crate::diagnostic::Diagnostics, format: MessageFormat) {
    match format {
        MessageFormat::Human => eprint!("{}", diags.render_human(use_color())),
        MessageFormat::Json => eprintln!("{}", diags.render_json()),
    }
}

/// Writes to stdout; a closed pipe (`platc schema | head`) is not an error.
fn stdout(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Colour only on a terminal, never with `NO_COLOR`.
fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
