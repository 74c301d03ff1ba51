/// How the block loader fetches: block size, fetch threads, how long things may take.
public struct LoaderOptions: Sendable {
    /// Bytes per block: the unit of fetching and caching.
    public var blockSize: Int = 1 << 20
    /// Fetch threads, hence the most transfers in flight at once.
    public var workers: Int = 8
    /// How long a whole-body stream (a server that ignores Range) stays open waiting
    /// for a reader to ask for the blocks it is about to pass.
    public var streamLinger: Duration = .seconds(2)
    /// Readahead per open file: the first window, and the most it may grow to.
    public var initialReadahead: Int = 1 << 20
    public var maxReadahead: Int = 64 << 20
    /// How far a read may land from where the last one ended and still count as
    /// sequential: the kernel's own readahead sends requests out of order.
    public var sequentialTolerance: Int = 8 << 20
    /// Blocks fetched and waiting to be written to disk; more hold fetching back.
    public var pendingWrites: Int = 8
    /// The longest a reader waits for one block before it gets EIO.
    public var waitTimeout: Duration = .seconds(120)

    public init() {}
}
