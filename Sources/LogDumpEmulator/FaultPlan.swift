/// The faults the emulator injects into content GETs (the download route) and, through
/// the `api_` keys, into the sibling calls; never into the admin or IAM routes, so clients' retries, backoff, deadlines and token renewal can be
/// tested against a server that misbehaves the way real ones do. JSON form and checks:
/// FaultPlan+Codable.swift. A plan that would fail those checks still works when set
/// from Swift: rates act as if clamped to 0...1, negative numbers as 0.
public struct FaultPlan: Sendable, Equatable {
    /// Per HTTP status, the probability (0...1) that a content GET is answered with that
    /// status and a JSON error body. JSON `"error_rates": {"429": 0.3, "500": 0.1}`.
    public var errorRates: [Int: Double] = [:]
    /// The next `count` content GETs are answered with `status`, then back to normal.
    /// Counts down as requests are answered; gone (nil) once spent. JSON `"error_burst"`.
    public var errorBurst: ErrorBurst? = nil
    /// The Retry-After header of every 429 and 503 the faults produce: seconds (`"2"`)
    /// or an HTTP date. JSON `"retry_after"`.
    public var retryAfter: String? = nil
    /// Wait before answering each content GET. JSON `"latency_ms"`.
    public var latencyMilliseconds: Int = 0
    /// Cap on body bytes per second per response (0 or nil: none).
    /// JSON `"bandwidth_bytes_per_second"`.
    public var bandwidthBytesPerSecond: Int? = nil
    /// A fault in the middle of bodies (200 and 206 of content GETs). JSON `"body_fault"`.
    public var bodyFault: BodyFault? = nil
    /// A hostile or sloppy server's answers, each lawful HTTP carrying other bytes than
    /// the archive or fewer than asked. JSON `"hostile"`.
    public var hostile = HostileAnswers()
    /// Lifetime of tokens the IAM endpoint issues from now on.
    /// JSON `"token_lifetime_seconds"`.
    public var tokenLifetimeSeconds: Int = 86400
    /// Like `errorRates`, for the sibling calls (server listing, export request and
    /// status) instead of downloads. JSON `"api_error_rates"`.
    public var apiErrorRates: [Int: Double] = [:]
    /// Like `errorBurst`, for the sibling calls. JSON `"api_error_burst"`.
    public var apiErrorBurst: ErrorBurst? = nil
    /// Seed of the fault dice: the same seed and the same requests give the same faults.
    /// Setting a plan restarts the dice from it. JSON `"seed"`.
    public var seed: UInt64 = 1

    public init() {}
}

/// Answers a careless server or a proxy in front of it gives, which a client must never
/// take for the archive's bytes.
public struct HostileAnswers: Sendable, Equatable {
    /// Each 206 carries at most this many bytes (RFC 9110 lets a server send less than
    /// the range asked for; its Content-Range says which). JSON `"partial_limit_bytes"`.
    public var partialLimitBytes: Int?
    /// `"gzip"`: every download is answered 200 with the archive gzip-encoded
    /// (Content-Encoding: gzip), whatever Accept-Encoding asked. JSON `"content_encoding"`.
    public var contentEncoding: String?
    /// Every download is answered 200 with this body instead of the archive, as a
    /// proxy's error page would be. JSON `"substitute_body"`.
    public var substituteBody: SubstituteBody?

    public init(partialLimitBytes: Int? = nil, contentEncoding: String? = nil, substituteBody: SubstituteBody? = nil) {
        self.partialLimitBytes = partialLimitBytes
        self.contentEncoding = contentEncoding
        self.substituteBody = substituteBody
    }

    /// The encodings the emulator can apply.
    static let encodings = ["gzip"]
}

/// A 200 answer's body and its Content-Type, sent in place of the archive.
public struct SubstituteBody: Sendable, Equatable {
    public var contentType: String
    public var body: String

    public init(contentType: String, body: String) {
        self.contentType = contentType
        self.body = body
    }
}

/// A run of identical error answers: models an outage that passes.
public struct ErrorBurst: Sendable, Equatable {
    public var status: Int
    public var count: Int

    public init(status: Int, count: Int) {
        self.status = status
        self.count = count
    }
}

/// A body that breaks off: the faults a client sees from a dying server or a middlebox.
public struct BodyFault: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Send nothing more but keep the connection open (until the client closes it or
        /// the emulator stops): tests the client's stall deadline.
        case stall
        /// Reset the TCP connection (SO_LINGER 0, then close): the client sees ECONNRESET.
        case reset
        /// Close cleanly although Content-Length (or Content-Range) promised more; in
        /// chunked mode, close without the terminating chunk.
        case truncate
    }

    public var kind: Kind
    /// Body bytes sent before the fault; nil: a uniformly random offset within the body.
    /// A body no longer than this is sent whole.
    public var afterBytes: Int?
    /// The share of bodies affected, 0...1.
    public var rate: Double

    public init(kind: Kind, afterBytes: Int? = nil, rate: Double = 1) {
        self.kind = kind
        self.afterBytes = afterBytes
        self.rate = rate
    }
}
