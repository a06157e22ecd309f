//! Per-symbol work spread over the machine's cores.
//!
//! Judging, explaining and computing proposals are pure functions of one
//! symbol's hashes, and at ten thousand symbols they are most of a run's CPU
//! time. Scoped threads over contiguous chunks keep the output in input
//! order (reports are sorted by symbol) without a thread pool or a
//! dependency; small inputs stay on the calling thread.

use std::num::NonZeroUsize;

/// Below this many items per thread, starting threads costs more than it saves.
const MIN_PER_THREAD: usize = 256;

/// `items.iter().map(f).collect()`, on up to one thread per core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(items, MIN_PER_THREAD, f)
}

/// [`map`] for items each worth a thread of its own (a chunk of symbols to
/// render): spread over the cores however few they are.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(items, 1, f)
}

fn spread<T: Sync, R: Send>(
    items: &[T],
    min_per_thread: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let per_thread = items.len().div_ceil(cores).max(min_per_thread);
    if items.len() <= per_thread {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for worker in workers {
            // A panic in a worker is a bug; let it surface as one.
            out.extend(
                worker
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_across_threads() {
        let items: Vec<u32> = (0..10_000).collect();
        let doubled = super::map(&items, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&[] as &[u32], |x| *x), Vec::<u32>::new());
        assert_eq!(super::map_each(&items[..5], |x| x + 1), [1, 2, 3, 4, 5]);
    }
}
