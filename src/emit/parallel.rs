//! Order-preserving parallel map for the emitters' per-service and
//! per-environment loops.
//!
//! Why: the Kubernetes emitter is most of a build's CPU time and its work is
//! a loop of independent, pure steps (one manifest file per service, one
//! overlay per environment). Splitting such a loop into contiguous chunks on
//! scoped threads and concatenating the results in chunk order keeps the
//! output identical to the serial loop, whatever the scheduling.

/// Below this many items a loop runs on the calling thread: a thread costs
/// more than the work it would take over.
const MIN_PARALLEL: usize = 32;

/// `items.iter().map(f).collect()`, over up to `available_parallelism`
/// contiguous chunks on scoped threads; the results keep the items' order.
/// If a thread cannot be started its chunk runs on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if items.len() < MIN_PARALLEL || threads < 2 {
        return items.iter().map(&f).collect();
    }
    map_in(items, items.len().div_ceil(threads), &f)
}

/// `items` mapped with `f` in chunks of `chunk` items: every chunk but the
/// first on a scoped thread, the first on this one.
fn map_in<T: Sync, R: Send>(items: &[T], chunk: usize, f: &(impl Fn(&T) -> R + Sync)) -> Vec<R> {
    let run = |part: &[T]| -> Vec<R> { part.iter().map(f).collect() };
    std::thread::scope(|s| {
        let mut parts = items.chunks(chunk.max(1));
        let first = parts.next().unwrap_or(&[]);
        let handles: Vec<_> = parts
            .map(|part| {
                (
                    part,
                    std::thread::Builder::new().spawn_scoped(s, move || run(part)),
                )
            })
            .collect();
        let mut out = run(first);
        for (part, handle) in handles {
            match handle {
                Ok(h) => out.extend(
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                ),
                Err(_) => out.extend(run(part)),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_for_every_chunking() {
        let items: Vec<u32> = (0..100).collect();
        let serial: Vec<u32> = items.iter().map(|x| x * 3).collect();
        for chunk in [1, 7, 33, 100, 1000] {
            assert_eq!(map_in(&items, chunk, &|x| x * 3), serial, "chunk {chunk}");
        }
        assert_eq!(map(&items, |x| x * 3), serial);
        assert_eq!(map(&items[..3], |x| x * 3), serial[..3]);
        assert!(map(&[] as &[u32], |x| x * 3).is_empty());
    }
}
