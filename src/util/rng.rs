//! `SplitMix64`: the small generator behind seeded scheduling (`runtime/ready_queue.rs`).

/// A small, fast generator for seeded scheduling (SplitMix64: every seed, even 0, gives a good
/// stream).
#[derive(Clone, Copy)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `bound` (`bound > 0`); the slight modulo bias does not matter here.
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_stream_and_below_stays_below() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        for bound in 1..100 {
            let x = a.below(bound);
            assert_eq!(x, b.below(bound));
            assert!(x < bound);
        }
        assert_ne!(SplitMix64::new(0).next_u64(), SplitMix64::new(1).next_u64());
    }
}
