extension MemoryExportSource {
    /// What goes wrong with one request, for tests of what copes with it (retries,
    /// resumption). Scripted in order with `script(_:)`.
    public enum Fault: Sendable {
        /// Answered as usual.
        case none
        /// Fails before any byte: a status (with its Retry-After), a reset, a stall.
        case fail(RemoteError)
        /// Sends the head and this many body bytes (or all, if fewer), then breaks off:
        /// `bodyEndedEarly`, as a connection reset after them would.
        case cut(after: Int)
        /// Answers 200 with the whole body from byte 0, as a server that ignores Range.
        case ignoreRange
        /// Both: the whole body from byte 0, broken off after this many bytes.
        case ignoreRangeAndCut(after: Int)
        /// A 206 that carries at most this many bytes of the range asked for, as RFC 9110
        /// allows; its head says which.
        case partial(max: Int)

        var ignoresRange: Bool {
            switch self {
            case .ignoreRange, .ignoreRangeAndCut: true
            default: false
            }
        }

        var cutAfter: Int? {
            switch self {
            case .cut(let count), .ignoreRangeAndCut(let count): count
            default: nil
            }
        }
    }
}
