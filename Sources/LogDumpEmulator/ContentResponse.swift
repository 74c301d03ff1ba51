import NIOCore
import NIOHTTP1

/// Everything the emulator will answer to one request, decided before a byte is sent.
/// This is the seam for fault injection: an error status with Retry-After is an `.error`,
/// a paced or broken body is an `ArchiveBody` that says so.
enum ContentResponse: Sendable {
    /// A JSON error `{"error_code", "error_msg"}`.
    case error(HTTPResponseStatus, code: String, message: String, headers: HTTPHeaders = [:])
    /// A JSON document: the admin and IAM routes' answers.
    case json(HTTPResponseStatus, String, headers: HTTPHeaders = [:])
    /// Any body with its Content-Type: what a hostile server sends in place of the archive.
    case body(HTTPResponseStatus, contentType: String, [UInt8], headers: HTTPHeaders = [:])
    /// A head without a body (416 carries only `Content-Range`).
    case empty(HTTPResponseStatus, headers: HTTPHeaders)
    /// Bytes `[offset, offset + count)` of an open archive. The sender closes `file`.
    case archive(ArchiveBody)

    /// For the statistics.
    var status: HTTPResponseStatus {
        switch self {
        case let .error(status, _, _, _), let .json(status, _, _), let .empty(status, _), let .body(status, _, _, _): status
        case let .archive(body): body.status
        }
    }
}

struct ArchiveBody: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var file: NIOFileHandle
    var offset: Int
    var count: Int
    /// true: `Transfer-Encoding: chunked`, streamed by chunked reads; false: sendfile.
    var chunked: Bool
    /// At most this many body bytes per second; nil: as fast as the client takes them.
    var bandwidthBytesPerSecond: Int? = nil
    /// Where the body breaks off, if it does.
    var breakOff: BodyBreak? = nil

    /// Whole and unpaced: the sendfile fast path can serve it.
    var isPlain: Bool { bandwidthBytesPerSecond == nil && breakOff == nil }
}

/// A body fault placed within a body: `afterBytes` are sent, then `kind` happens.
struct BodyBreak: Sendable, Equatable {
    var kind: BodyFault.Kind
    var afterBytes: Int
}

extension ContentResponse {
    static let notFound = ContentResponse.error(.notFound, code: "CDC.0404", message: "export not found")
    static let unauthorized = ContentResponse.error(
        .unauthorized, code: "CDC.0401", message: "Authentication failed: token missing or invalid")
    static let tokenExpired = ContentResponse.error(.unauthorized, code: "CDC.0401", message: "The token has expired.")
    static let methodNotAllowed = allowing("GET, HEAD")

    /// 405; `service` prefixes the code as the route's real service would (CDC, IAM, EMU).
    static func allowing(_ methods: String, service: String = "CDC") -> ContentResponse {
        .error(.methodNotAllowed, code: "\(service).0405", message: "method not allowed", headers: ["Allow": methods])
    }

    /// The answer a fault gives instead of the export: a CloudDC-style error, with
    /// Retry-After when the plan sets one for this status.
    static func injected(status: Int, retryAfter: String?) -> ContentResponse {
        let known = [429: "Too many requests", 500: "Internal server error", 502: "Bad gateway",
                     503: "Service unavailable", 504: "Gateway timeout"]
        let status = HTTPResponseStatus(statusCode: status)
        var headers: HTTPHeaders = [:]
        if let retryAfter { headers.add(name: "Retry-After", value: retryAfter) }
        return .error(status, code: "CDC.0\(status.code)", message: known[Int(status.code)] ?? status.reasonPhrase,
                      headers: headers)
    }

    /// Releases what an undelivered response holds.
    func discard() {
        if case let .archive(body) = self { try? body.file.close() }
    }
}
