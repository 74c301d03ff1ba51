import NIOCore
import NIOHTTP1
import NIOPosix

/// One per connection. Collects a whole request (the body bounded by
/// `EmulatorRequest.maxBodyBytes`), asks `RequestRouter` what to answer, then sends it.
/// NIO's pipelining handler sits in front, so requests on a kept-alive connection arrive
/// one at a time, each after the previous response's end was written.
final class ContentHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: RequestRouter
    private let fileIO: NonBlockingFileIO
    private var request: EmulatorRequest?

    init(router: RequestRouter) {
        self.router = router
        self.fileIO = NonBlockingFileIO(threadPool: router.threadPool)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            request = EmulatorRequest(head: head, body: context.channel.allocator.buffer(capacity: 0))
        case var .body(part):
            guard var r = request, !r.bodyTooLarge else { return }
            request = nil  // one owner of the buffer while it grows, so it is not copied
            if r.body.readableBytes + part.readableBytes > EmulatorRequest.maxBodyBytes {
                r.bodyTooLarge = true
                r.body.clear()
            } else {
                r.body.writeBuffer(&part)
            }
            request = r
        case .end:
            guard let whole = request else { return }
            request = nil
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            router.answer(whole, on: context.eventLoop).whenComplete { result in
                let (handler, context) = loopBound.value
                switch result {
                case let .success(response):
                    handler.send(response, to: whole.head, context: context)
                case .failure:
                    handler.send(.error(.internalServerError, code: "CDC.0500", message: "internal error"),
                                 to: whole.head, context: context)
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func sendJSON(_ status: HTTPResponseStatus, _ text: String, extra: HTTPHeaders,
                          to request: HTTPRequestHead, context: ChannelHandlerContext) {
        send(status, contentType: "application/json;charset=UTF-8", Array(text.utf8), extra: extra,
             to: request, context: context)
    }

    private func send(_ status: HTTPResponseStatus, contentType: String, _ bytes: [UInt8], extra: HTTPHeaders,
                      to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var body = context.channel.allocator.buffer(capacity: bytes.count)
        body.writeBytes(bytes)
        var headers = extra
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        writeHead(status, headers, request, context)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.finishResponse(keepAlive: request.isKeepAlive)
    }

    private func send(_ response: ContentResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return response.discard() }
        let keepAlive = request.isKeepAlive
        switch response {
        case let .error(status, code, message, extra):
            sendJSON(status, #"{"error_code": \#(jsonQuoted(code)), "error_msg": \#(jsonQuoted(message))}"#,
                     extra: extra, to: request, context: context)
        case let .json(status, text, extra):
            sendJSON(status, text, extra: extra, to: request, context: context)
        case let .body(status, contentType, bytes, extra):
            send(status, contentType: contentType, bytes, extra: extra, to: request, context: context)
        case let .empty(status, headers):
            var headers = headers
            // RFC 9110: a 204 carries no Content-Length.
            if status != .noContent { headers.add(name: "Content-Length", value: "0") }
            writeHead(status, headers, request, context)
            context.finishResponse(keepAlive: keepAlive)
        case let .archive(body):
            writeHead(body.status, body.headers, request, context)
            if request.method == .HEAD || body.count == 0 {
                context.finishResponse(keepAlive: keepAlive) { try? body.file.close() }
            } else if body.chunked || !body.isPlain {
                BodyStream(body: body, fileIO: fileIO, keepAlive: keepAlive).start(context: context)
            } else {
                // The fast path: sendfile, which scripts/bench measures.
                let region = FileRegion(fileHandle: body.file, readerIndex: body.offset,
                                        endIndex: body.offset + body.count)
                context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: nil)
                context.finishResponse(keepAlive: keepAlive) { try? body.file.close() }
            }
        }
    }

    private func writeHead(_ status: HTTPResponseStatus, _ headers: HTTPHeaders,
                           _ request: HTTPRequestHead, _ context: ChannelHandlerContext) {
        var headers = headers
        if !headers.contains(name: "Date") { headers.add(name: "Date", value: router.state.now.httpDate) }
        if !request.isKeepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request.version.minor == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }
}

extension ChannelHandlerContext {
    /// Writes a response's end; `done` runs once it is written or has failed, which is when
    /// the body's file is no longer in use. The connection closes unless it is kept alive
    /// and the end was written.
    func finishResponse(keepAlive: Bool, done: @escaping @Sendable () -> Void = {}) {
        let channel = self.channel
        writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { result in
            done()
            if !keepAlive || (try? result.get()) == nil { channel.close(promise: nil) }
        }
    }
}
