import NIOCore
import NIOHTTP1

/// Everything the emulator will answer to one request, decided before a byte is sent.
/// This is the seam for fault injection: a fault (error status, Retry-After, a stall,
/// a reset mid-body) becomes another case here or a change to the decided plan.
enum ContentResponse: Sendable {
    /// A JSON error `{"error_code", "error_msg"}`.
    case error(HTTPResponseStatus, code: String, message: String, headers: HTTPHeaders = [:])
    /// A JSON document: the admin endpoint's answers.
    case json(HTTPResponseStatus, String)
    /// A head without a body (416 carries only `Content-Range`).
    case empty(HTTPResponseStatus, headers: HTTPHeaders)
    /// Bytes `[offset, offset + count)` of an open archive. The sender closes `file`.
    case archive(ArchiveBody)
}

struct ArchiveBody: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var file: NIOFileHandle
    var offset: Int
    var count: Int
    /// true: `Transfer-Encoding: chunked`, streamed by chunked reads; false: sendfile.
    var chunked: Bool
}

extension ContentResponse {
    static let notFound = ContentResponse.error(.notFound, code: "CDC.0404", message: "export not found")
    static let unauthorized = ContentResponse.error(
        .unauthorized, code: "CDC.0401", message: "Authentication failed: token missing or invalid")
    static let methodNotAllowed = ContentResponse.error(
        .methodNotAllowed, code: "CDC.0405", message: "method not allowed", headers: ["Allow": "GET, HEAD"])

    /// Releases what an undelivered response holds.
    func discard() {
        if case let .archive(body) = self { try? body.file.close() }
    }
}
