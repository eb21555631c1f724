//! The benchmark spec generator (`platc gen-spec N`): its specs compile and
//! have the documented shape, so the benchmarks measure a realistic platform.

use platc::bench_spec::{DATA_EVERY, generate, service_name};
use platc::model::{EdgeKind, EdgeTarget};

#[test]
fn generated_specs_build() {
    for n in [1, 2, 10, 25] {
        let text = generate(n);
        match platc::build("bench.kdl", &text) {
            Ok((platform, files)) => {
                assert_eq!(platform.services.len(), n);
                assert_eq!(platform.environments.len(), 3);
                assert!(!files.is_empty());
            }
            Err(platc::Error::Spec(d)) => panic!("N={n}:\n{}", d.render_human(false)),
            Err(platc::Error::Path(e)) => panic!("N={n}: {e}"),
        }
    }
}

/// Each service calls its successor on the ring and is exposed through the
/// ingress (its second caller); every 10th uses its own database and the cache.
#[test]
fn generated_graph_has_the_documented_shape() {
    let n = 25;
    let platform = platc::compile_source("bench.kdl", &generate(n))
        .unwrap_or_else(|d| panic!("{}", d.render_human(false)));
    for i in 1..=n {
        let name = service_name(i, n);
        let service = platform
            .service(&name)
            .unwrap_or_else(|| panic!("{name} missing"));
        let calls: Vec<_> = platform
            .edges_from(&name)
            .filter(|e| e.kind == EdgeKind::Calls)
            .collect();
        assert_eq!(calls.len(), 1, "{name} has one callee");
        assert_eq!(calls[0].to.name(), service_name(i % n + 1, n));
        let callers = platform
            .edges
            .iter()
            .filter(|e| {
                e.kind == EdgeKind::Calls
                    && matches!(&e.to, EdgeTarget::Service { name: to, .. } if *to == name)
            })
            .count();
        assert_eq!(callers, 1, "{name} has one calling service");
        assert!(
            service.expose.is_some(),
            "{name} is reached from the ingress"
        );
        assert_eq!(
            service.replicas.iter().map(|(_, r)| *r).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert!(service.autoscale.is_some());
        let uses: Vec<&str> = platform
            .edges_from(&name)
            .filter(|e| e.kind == EdgeKind::Uses)
            .map(|e| e.to.name())
            .collect();
        if i.is_multiple_of(DATA_EVERY) {
            assert_eq!(
                uses,
                vec!["cache", "main"],
                "{name} uses postgres and redis"
            );
        } else {
            assert!(uses.is_empty(), "{name} uses no data service");
        }
    }
}
