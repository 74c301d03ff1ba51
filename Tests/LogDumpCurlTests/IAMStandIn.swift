import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A stand-in for Huawei IAM's `POST /v3/auth/tokens` (password, project scope by name) on
/// loopback, with the contract the emulator's IAM endpoint follows: right credentials ->
/// 201, X-Subject-Token and {"token":{"expires_at","issued_at","methods"}}; wrong -> 401
/// IAM.0001; malformed -> 400. It keeps every request, and can be told to fail.
final class IAMStandIn: Sendable {
    struct Account: Sendable {
        var user = "backup"
        var domain = "acme"
        var project = "cn-east-3"
        var password = "pa\"ss\\wo/rd"
    }

    struct Request: Sendable {
        var contentType: String?
        var body: [UInt8]
    }

    private struct State {
        var requests: [Request] = []
        var issued = 0
        var lifetime: Duration
        /// Answer this status (with an IAM error body) instead, while set.
        var failing: Int?
    }

    let account: Account
    private let ledger: Ledger
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let stopped = Atomic(false)

    init(account: Account = Account(), lifetime: Duration = .seconds(86_400)) throws {
        self.account = account
        let ledger = Ledger(account: account, lifetime: lifetime)
        self.ledger = ledger
        let handler = { @Sendable (request: Request) in ledger.answer(request) }
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(Handler(answer: handler))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Idempotent: a second close would wait on event loops already gone.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    var endpoint: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)" }
    var requests: [Request] { ledger.state.withLock { $0.requests } }
    var issued: Int { ledger.state.withLock { $0.issued } }
    func setFailing(_ status: Int?) { ledger.state.withLock { $0.failing = status } }

    /// What the service knows and has seen; answers on NIO's thread.
    private final class Ledger: Sendable {
        let account: Account
        let state: Mutex<State>
        init(account: Account, lifetime: Duration) {
            self.account = account
            state = Mutex(State(lifetime: lifetime))
        }

        func answer(_ request: Request) -> (Int, [(String, String)], String) {
            let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            func value(_ path: [String]) -> Any? {
                path.reduce(object as Any?) { ($0 as? [String: Any])?[$1] }
            }
            let user = ["auth", "identity", "password", "user"]
            guard let name = value(user + ["name"]) as? String, let password = value(user + ["password"]) as? String,
                  let domain = value(user + ["domain", "name"]) as? String,
                  let project = value(["auth", "scope", "project", "name"]) as? String ?? value(["auth", "scope", "project", "id"]) as? String,
                  value(["auth", "identity", "methods"]) as? [String] == ["password"]
            else { return (400, [], #"{"error_code":"IAM.0002","error_msg":"The request is malformed."}"#) }
            return state.withLock { state in
                state.requests.append(request)
                if let failing = state.failing { return (failing, [], #"{"error_code":"IAM.0500","error_msg":"down"}"#) }
                guard name == account.user, password == account.password, domain == account.domain,
                      project == account.project
                else { return (401, [], #"{"error_code":"IAM.0001","error_msg":"The username or password is wrong."}"#) }
                state.issued += 1
                let now = Date()
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                let seconds = Double(state.lifetime.components.seconds) + Double(state.lifetime.components.attoseconds) / 1e18
                let body = #"{"token":{"expires_at":"\#(formatter.string(from: now.addingTimeInterval(seconds)))","#
                    + #""issued_at":"\#(formatter.string(from: now))","methods":["password"]}}"#
                return (201, [("X-Subject-Token", "iam-token-\(state.issued)")], body)
            }
        }
    }

    /// Gathers one request, answers it as `answer` says.
    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let answer: @Sendable (Request) -> (Int, [(String, String)], String)
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(answer: @escaping @Sendable (Request) -> (Int, [(String, String)], String)) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head; body = []
            case .body(let buffer): body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let head else { return }
                let (status, extra, text) = head.method == .POST && head.uri == "/v3/auth/tokens"
                    ? answer(Request(contentType: head.headers.first(name: "Content-Type"), body: body))
                    : (404, [], "{}")
                var headers = HTTPHeaders(extra)
                headers.add(name: "Content-Type", value: "application/json;charset=UTF-8")
                headers.add(name: "Content-Length", value: String(text.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version,
                    status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
