/// Sequential detection for one open file: how many blocks past a read to fetch ahead.
/// The window starts at `initial` blocks and doubles up to `maximum` while reads follow
/// on from each other (allowing the small jumps and reorderings of the kernel's own
/// readahead, whose requests arrive on several threads); two random reads in a row stop
/// prefetching until reads are sequential again.
///
/// Once stopped, prefetching starts again only on a read that begins where the last one
/// ended (or up to `rejoin` bytes further on), not anywhere within `tolerance`: a random
/// reader lands that near by chance every so often (8 MiB either way is 1 read in 16 on
/// a 256 MiB file), and each time it would fetch whole blocks, for that read and the
/// next, instead of just the bytes asked for.
struct Readahead {
    let initial: Int
    let maximum: Int
    /// How far a read may start from where the last one ended and still count as next.
    let tolerance: UInt64
    /// How far past the end of the last read a read may start and end random reading.
    let rejoin: UInt64

    private var expected: UInt64 = 0
    private var window = 0
    private var randomReads = 0

    init(initial: Int, maximum: Int, tolerance: UInt64, rejoin: UInt64 = 0) {
        self.initial = max(1, min(initial, maximum))
        self.maximum = maximum
        self.tolerance = tolerance
        self.rejoin = min(rejoin, tolerance)
    }

    /// Records a read of [offset, end) and returns the window, in blocks, to prefetch
    /// after it (0: none).
    mutating func observe(offset: UInt64, end: UInt64) -> Int {
        guard maximum > 0 else { return 0 }
        let random = randomReads >= 2
        let lower = random ? expected : expected > tolerance ? expected - tolerance : 0
        if offset >= lower && offset <= expected + (random ? rejoin : tolerance) {
            randomReads = 0
            window = window == 0 ? initial : min(window * 2, maximum)
            expected = max(expected, end) // reordered requests must not pull it back
        } else {
            randomReads += 1
            window = randomReads >= 2 ? 0 : initial
            expected = end
        }
        return window
    }
}
