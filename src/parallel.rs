//! Order-preserving parallel map, shared by the emitters' per-service and
//! per-environment loops and the writer's per-file work.
//!
//! Why: a build's CPU time is mostly loops of independent, pure steps (one
//! manifest file per service, one overlay patch set per environment, one
//! comparison or write per file). Splitting such a loop into contiguous
//! chunks on scoped threads and concatenating the results in chunk order
//! keeps the result identical to the serial loop, whatever the scheduling;
//! contiguous chunks also keep files of one directory on one thread.

/// At most this many threads (beyond that, the writer's kernel time and the
/// emitters' allocator contend).
const MAX_THREADS: usize = 8;

/// `items.iter().map(f).collect()`, over up to one thread per core when there
/// are at least `min_items` items (below that a thread costs more than the
/// work it takes over). Results keep the items' order; a chunk whose thread
/// cannot be started runs on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], min_items: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len(), min_items);
    if threads < 2 {
        return items.iter().map(&f).collect();
    }
    let chunks: Vec<&[T]> = items.chunks(items.len().div_ceil(threads)).collect();
    map_chunks(chunks, |part| part.iter().map(&f).collect())
}

/// [`map`] over owned items.
pub fn map_owned<T: Send, R: Send>(
    items: Vec<T>,
    min_items: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = threads_for(items.len(), min_items);
    if threads < 2 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut rest = items.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    map_chunks(chunks, |part| part.into_iter().map(&f).collect())
}

fn threads_for(items: usize, min_items: usize) -> usize {
    if items < min_items.max(2) {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_THREADS)
}

/// `run` over every chunk: the first on this thread, the others on scoped
/// threads; results concatenated in chunk order. (Like `std::thread::spawn`,
/// this panics only if the OS cannot start a thread at all.)
fn map_chunks<C: Send, R: Send>(chunks: Vec<C>, run: impl Fn(C) -> Vec<R> + Sync) -> Vec<R> {
    let run = &run;
    std::thread::scope(|s| {
        let mut chunks = chunks.into_iter();
        let first = chunks.next();
        let handles: Vec<_> = chunks.map(|part| s.spawn(move || run(part))).collect();
        let mut out = first.map(run).unwrap_or_default();
        for handle in handles {
            out.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
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
            let chunks: Vec<&[u32]> = items.chunks(chunk).collect();
            let got = map_chunks(chunks, |part| part.iter().map(|x| x * 3).collect());
            assert_eq!(got, serial, "chunk {chunk}");
        }
        assert_eq!(map(&items, 1, |x| x * 3), serial);
        assert_eq!(map(&items[..3], 64, |x| x * 3), serial[..3]);
        assert_eq!(map_owned(items.clone(), 1, |x| x * 3), serial);
        assert!(map(&[] as &[u32], 1, |x| x * 3).is_empty());
        assert!(map_owned(Vec::<u32>::new(), 1, |x| x * 3).is_empty());
    }
}
