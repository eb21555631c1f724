//! In-process cost of each build stage on synthetic platforms of N services
//! (`platc::bench_spec`): decode+resolve, each emitter, and the write into a
//! fresh and into an unchanged directory. Whole-process wall time, peak RSS and
//! the I/O and kustomize references are measured by `scripts/bench.sh`.
//!
//! `cargo bench --bench pipeline [-- FILTER]`; `PLATC_BENCH_SIZES=10,100` picks sizes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use platc::model::Platform;
use platc::output::FileSet;

const DISPLAY_PATH: &str = "bench.kdl";

fn sizes() -> Vec<usize> {
    std::env::var("PLATC_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100, 1000])
}

/// One size's input: the spec text and, when it compiles, the model and file set.
struct Case {
    n: usize,
    text: String,
    built: Option<(Platform, FileSet)>,
}

fn cases() -> Vec<Case> {
    sizes()
        .into_iter()
        .map(|n| {
            let text = platc::bench_spec::generate(n);
            let built = match platc::build(DISPLAY_PATH, &text) {
                Ok(built) => Some(built),
                Err(err) => {
                    eprintln!("N={n}: the generated spec does not build yet ({err:?}); benching decode only");
                    None
                }
            };
            Case { n, text, built }
        })
        .collect()
}

/// Large sizes take long per iteration: fewer samples keep `cargo bench` short.
fn tune(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    if n >= 1000 {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(10));
    } else {
        group
            .sample_size(30)
            .measurement_time(Duration::from_secs(5));
    }
}

fn pipeline(c: &mut Criterion) {
    let cases = cases();

    let mut group = c.benchmark_group("compile");
    for case in &cases {
        tune(&mut group, case.n);
        group.bench_with_input(
            BenchmarkId::from_parameter(case.n),
            &case.text,
            |b, text| b.iter(|| black_box(platc::compile_source(DISPLAY_PATH, text).is_ok())),
        );
    }
    group.finish();

    for (name, emit) in platc::emit::TARGETS {
        let mut group = c.benchmark_group(format!("emit/{name}"));
        for case in &cases {
            let Some((platform, _)) = &case.built else {
                continue;
            };
            tune(&mut group, case.n);
            group.bench_with_input(BenchmarkId::from_parameter(case.n), platform, |b, p| {
                b.iter(|| black_box(emit(p)))
            });
        }
        group.finish();
    }

    let mut group = c.benchmark_group("emit/all");
    for case in &cases {
        let Some((platform, _)) = &case.built else {
            continue;
        };
        tune(&mut group, case.n);
        group.bench_with_input(BenchmarkId::from_parameter(case.n), platform, |b, p| {
            b.iter(|| black_box(platc::emit::emit_all(p)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("file-set");
    for case in &cases {
        let Some((platform, _)) = &case.built else {
            continue;
        };
        tune(&mut group, case.n);
        group.bench_with_input(BenchmarkId::from_parameter(case.n), platform, |b, p| {
            b.iter_batched(
                || platc::emit::emit_all(p),
                |files| black_box(FileSet::from_files(files).is_ok()),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("write/fresh");
    for case in &cases {
        let Some((_, set)) = &case.built else {
            continue;
        };
        tune(&mut group, case.n);
        group.bench_with_input(BenchmarkId::from_parameter(case.n), set, |b, set| {
            b.iter_batched(
                || tempfile::tempdir().expect("temporary directory"),
                |dir| {
                    black_box(platc::output::write(set, dir.path()).is_ok());
                    // Returned so that removing the tree is not timed.
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("write/unchanged");
    for case in &cases {
        let Some((_, set)) = &case.built else {
            continue;
        };
        let Ok(dir) = tempfile::tempdir() else {
            continue;
        };
        if platc::output::write(set, dir.path()).is_err() {
            continue;
        }
        tune(&mut group, case.n);
        group.bench_with_input(BenchmarkId::from_parameter(case.n), set, |b, set| {
            b.iter(|| black_box(platc::output::write(set, dir.path()).is_ok()))
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
