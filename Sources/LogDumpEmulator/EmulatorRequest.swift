import NIOCore
import NIOHTTP1
import NIOPosix

/// One whole request as the routes see it: head and (bounded) body.
struct EmulatorRequest: Sendable {
    /// Larger bodies are not kept: the request is answered 413.
    static let maxBodyBytes = 64 * 1024

    var head: HTTPRequestHead
    var body: ByteBuffer
    /// The body was longer than `maxBodyBytes`; `body` holds none of it.
    var bodyTooLarge = false

    /// The URI without its query.
    var path: Substring { head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] }

    var bodyText: String { String(decoding: body.readableBytesView, as: UTF8.self) }
}

/// Sends each request to its route: the admin endpoint, the IAM token endpoint, the
/// metadata endpoint, the sibling calls, or the content route (which answers 404 for anything else).
struct RequestRouter: Sendable {
    let content: ContentDecider
    let admin: AdminRoutes
    let iam: IAMEndpoint
    let metadata: MetadataEndpoint
    let siblings: SiblingCalls
    let state: EmulatorState

    init(state: EmulatorState, threadPool: NIOThreadPool) {
        content = ContentDecider(state: state, threadPool: threadPool)
        siblings = SiblingCalls(state: state, threadPool: threadPool)
        admin = AdminRoutes(state: state)
        iam = IAMEndpoint(state: state)
        metadata = MetadataEndpoint(state: state)
        self.state = state
    }

    var threadPool: NIOThreadPool { content.threadPool }

    func answer(_ request: EmulatorRequest, on eventLoop: EventLoop) -> EventLoopFuture<ContentResponse> {
        if request.bodyTooLarge {
            return eventLoop.makeSucceededFuture(.error(
                .payloadTooLarge, code: "EMU.0413",
                message: "request body larger than \(EmulatorRequest.maxBodyBytes) bytes"))
        }
        if request.path.hasPrefix(AdminRoutes.prefix) { return eventLoop.makeSucceededFuture(admin.answer(request)) }
        if request.path == IAMEndpoint.path { return eventLoop.makeSucceededFuture(iam.answer(request)) }
        if MetadataEndpoint.serves(request.path) { return eventLoop.makeSucceededFuture(metadata.answer(request)) }
        if let route = SiblingRoute(uri: request.head.uri) { return siblings.answer(request, route, on: eventLoop) }
        return content.decide(request, on: eventLoop)
    }
}
