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
///
/// A 206 that carries fewer bytes than asked (RFC 9110 allows it) is followed by a
/// request for the rest: the caller's body ends where it asked, or at the export's end,
/// never earlier. And every answer is held to the size the manifest promised
/// (`expectedSize`): one that says or shows another fails the transfer (`sizeMismatch`).
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
    /// The caller's position when the current attempt began: an attempt that ends
    /// without error must have moved it.
    private var attemptStart: UInt64 = 0

    init(request: TransferRequest, downstream: TransferSink) {
        self.original = request
        self.downstream = downstream
    }

    var isCancelled: Bool { downstream.isCancelled }

    /// The export offset of the next byte the caller expects.
    private var position: UInt64 { (firstHead?.bodyOffset ?? 0) + delivered }

    /// Where the body the caller expects ends, when known. A 206 may carry less than was
    /// asked (RFC 9110 allows it): the caller still expects the range it asked for, up to
    /// the export's end (the answer's total, else the manifest's promise). A 200 ends
    /// where its Content-Length says.
    private var end: UInt64? {
        guard let head = firstHead else { return nil }
        guard head.rangeHonoured else { return head.bodyLength.map { head.bodyOffset + $0 } }
        var end = original.range?.upperBound ?? TransferRequest.toEnd
        if let total = head.totalSize ?? original.expectedSize { end = min(end, total) }
        return end == TransferRequest.toEnd ? nil : end
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
        attemptStart = position
        return request
    }

    func begin(_ head: ResponseHead) -> Bool {
        if let broken = brokenPromise(head) {
            failure = broken
            return false
        }
        guard let first = firstHead else {
            firstHead = head
            // The caller is told the length it will get, however many answers it takes.
            var whole = head
            if head.rangeHonoured { whole.bodyLength = end.map { $0 - head.bodyOffset } }
            return forward(downstream.begin(whole))
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
        if let promised = original.expectedSize, position + UInt64(rest.count) > promised, let head = firstHead {
            failure = .sizeMismatch(promised: promised, server: "more than \(promised) bytes",
                                    answer: head.summary + ", its body running on past that")
            return false
        }
        if !rest.isEmpty {
            delivered += UInt64(rest.count)
            guard forward(downstream.receive(UnsafeRawBufferPointer(rebasing: rest))) else { return false }
        }
        return !pastEnd
    }

    /// What an answer that ended without error means for the caller.
    enum Completion: Equatable {
        /// The caller has its body.
        case done
        /// A 206 carried less than was asked: the rest is to be asked for.
        case more
        case failed(RemoteError)
    }

    /// An answer ended without error: the caller has its body; or a 206 brought only part
    /// of it (ask for the rest); or the answer broke a promise: a restarted body that
    /// ended before the bytes already delivered, a whole body of no stated length that
    /// ended short of the manifest's size.
    func completion() -> Completion {
        if skip > 0 {
            return .failed(.exportChanged("the answer ended before byte \(position), which was already read"))
        }
        guard let head = firstHead, !downstreamStopped else { return .done }
        if let end, position < end {
            guard head.rangeHonoured else { return .failed(.bodyEndedEarly(received: delivered, promised: end - head.bodyOffset)) }
            guard position > attemptStart else { return .failed(.badResponse("a 206 without bytes at \(position)")) }
            return .more
        }
        if end == nil, !head.rangeHonoured, let promised = original.expectedSize, position < promised {
            return .failed(.sizeMismatch(promised: promised, server: "\(position) bytes",
                                         answer: head.summary + ", its body ending there"))
        }
        return .done
    }

    /// The caller has every byte it expects: an error after the last one (a reset instead
    /// of a clean close) needs no retry.
    var hasWholeBody: Bool {
        guard let end else { return false }
        return position >= end
    }

    /// What a 416 means: nil when it is the end of the export (a body of unknown length
    /// had in fact ended), else the error to fail with: the 416 itself for a first
    /// request past the end (the caller's end of file), bytes the first answer promised
    /// that are gone, or bytes the manifest promised that the server does not have.
    func rangeNotSatisfiable(_ error: RemoteError) -> RemoteError? {
        let start = resuming ? position : original.range?.lowerBound ?? 0
        if let promised = original.expectedSize, start < promised {
            return .sizeMismatch(promised: promised, server: "at most \(start) bytes",
                                 answer: "416 to a request for bytes from \(start)")
        }
        guard resuming else { return error }
        guard let head = firstHead, head.totalSize != nil || !head.rangeHonoured, let end, position < end else { return nil }
        return .exportChanged("bytes from \(position) to \(end) are no longer there")
    }

    /// Why `head` contradicts the size the manifest promised, if it does.
    private func brokenPromise(_ head: ResponseHead) -> RemoteError? {
        guard let promised = original.expectedSize else { return nil }
        if let total = head.totalSize, total != promised {
            return .sizeMismatch(promised: promised, server: "\(total) bytes", answer: head.summary)
        }
        if let length = head.bodyLength, head.bodyOffset + length > promised {
            return .sizeMismatch(promised: promised, server: "more than \(promised) bytes", answer: head.summary)
        }
        return nil
    }

    private func forward(_ more: Bool) -> Bool {
        if !more { downstreamStopped = true }
        return more
    }

    /// Why `head` is not the version of the export `first` was, if it is not.
    private static func versionChange(from first: ResponseHead, to head: ResponseHead) -> String? {
        if first.validator != head.validator {
            let quoted = { (validator: String?) in validator?.escapedForLog(limit: 100) ?? "none" }
            return "validator \(quoted(first.validator)) became \(quoted(head.validator))"
        }
        if let before = first.totalSize, let now = head.totalSize, before != now {
            return "size \(before) became \(now)"
        }
        return nil
    }
}
