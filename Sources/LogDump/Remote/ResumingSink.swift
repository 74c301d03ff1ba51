/// Stands between a retried transfer and the caller's sink, so that the caller sees one
/// `begin` and one continuous body however many attempts it took.
///
/// The first answer's head goes downstream and fixes where the body starts and which
/// version of the export it is (its validator). Each later attempt asks only for the
/// bytes not yet delivered, with `If-Range` that validator; its answer is then either
/// - 206 from exactly the next byte: appended;
/// - 200 from byte 0 (Range ignored, or If-Range said the export changed): of the same
///   version, the bytes already delivered are skipped and the rest appended; of another
///   version, the transfer fails (`failure`): old and new bytes must never be mixed.
final class ResumingSink: TransferSink {
    private let downstream: TransferSink
    private let original: TransferRequest
    /// The head the caller was given; nil until an answer got that far.
    private(set) var firstHead: ResponseHead?
    /// Body bytes handed to the caller, over all attempts.
    private(set) var delivered: UInt64 = 0
    /// The caller declined more: the transfer is over, successfully.
    private(set) var downstreamStopped = false
    /// Why this sink stopped the current attempt; not worth retrying.
    private(set) var failure: RemoteError?
    /// Bytes at the start of the current answer that the caller has already had.
    private var skip: UInt64 = 0
    /// Whether the current answer is a retry's (then it is cut at `end`).
    private(set) var resuming = false

    init(request: TransferRequest, downstream: TransferSink) {
        self.original = request
        self.downstream = downstream
    }

    var isCancelled: Bool { downstream.isCancelled }

    /// The export offset of the next byte the caller expects.
    private var position: UInt64 { (firstHead?.bodyOffset ?? 0) + delivered }

    /// Where the body the caller expects ends, when known: the first answer's promise, or
    /// the range asked for if the server honoured it.
    private var end: UInt64? {
        guard let head = firstHead else { return nil }
        if let length = head.bodyLength { return head.bodyOffset + length }
        return head.rangeHonoured ? original.range?.upperBound : nil
    }

    /// What the next attempt asks for: the original request until an answer began, then
    /// the missing bytes, on condition that the export is still the first answer's version.
    func nextRequest() -> TransferRequest {
        guard let head = firstHead else { return original }
        var request = original
        request.range = position..<(end ?? TransferRequest.toEnd)
        // A weak ETag never matches in If-Range (RFC 9110 §13.1.5): the server would always
        // send the whole body. Without one, the validator check in `begin` still guards.
        request.ifRange = head.validator.flatMap { $0.hasPrefix("W/") ? nil : $0 }
        skip = 0
        resuming = true
        return request
    }

    func begin(_ head: ResponseHead) -> Bool {
        guard let first = firstHead else {
            firstHead = head
            return forward(downstream.begin(head))
        }
        if let why = Self.versionChange(from: first, to: head) {
            failure = .exportChanged(why)
            return false
        }
        if head.rangeHonoured {
            guard head.bodyOffset == position else {
                failure = .badResponse("asked to resume at byte \(position), got bytes from \(head.bodyOffset)")
                return false
            }
        } else {
            skip = position - head.bodyOffset // the whole body again: skip what was delivered
        }
        return true
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var rest = bytes[...]
        if skip > 0 {
            let skipped = Int(min(skip, UInt64(rest.count)))
            skip -= UInt64(skipped)
            rest = rest.dropFirst(skipped)
        }
        var pastEnd = false
        if resuming, let end {
            let room = Int(min(UInt64(rest.count), end - min(end, position)))
            pastEnd = room < rest.count // a restarted whole body runs on: stop it there
            rest = rest.prefix(room)
        }
        if !rest.isEmpty {
            delivered += UInt64(rest.count)
            guard forward(downstream.receive(UnsafeRawBufferPointer(rebasing: rest))) else { return false }
        }
        return !pastEnd
    }

    /// A retry's answer ended without error: it must have reached the bytes it was to resume.
    func checkComplete() -> RemoteError? {
        guard skip > 0 else { return nil }
        return .exportChanged("the answer ended before byte \(position), which was already read")
    }

    /// The caller has every byte it expects: an error after the last one (a reset instead
    /// of a clean close) needs no retry.
    var hasWholeBody: Bool {
        guard let end else { return false }
        return position >= end
    }

    /// What a 416 to a resumed request means: the body of unknown length had in fact
    /// ended (nil), or bytes the first answer promised are gone.
    func rangeNotSatisfiable() -> RemoteError? {
        guard let end, position < end else { return nil }
        return .exportChanged("bytes from \(position) to \(end) are no longer there")
    }

    private func forward(_ more: Bool) -> Bool {
        if !more { downstreamStopped = true }
        return more
    }

    /// Why `head` is not the version of the export `first` was, if it is not.
    private static func versionChange(from first: ResponseHead, to head: ResponseHead) -> String? {
        if first.validator != head.validator {
            return "validator \(first.validator ?? "none") became \(head.validator ?? "none")"
        }
        if let before = first.totalSize, let now = head.totalSize, before != now {
            return "size \(before) became \(now)"
        }
        return nil
    }
}
