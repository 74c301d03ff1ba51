import NIOCore
import NIOHTTP1
import NIOPosix

/// One per connection. Waits for a whole request, asks `ContentDecider` what to answer,
/// then sends it. NIO's pipelining handler sits in front, so requests on a kept-alive
/// connection arrive one at a time, each after the previous response's end was written.
final class ContentHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Chunked mode reads this much per thread-pool hop; big enough that the hop is cheap.
    static let chunkSize = 512 * 1024

    private let decider: ContentDecider
    private let fileIO: NonBlockingFileIO
    private var request: HTTPRequestHead?

    init(decider: ContentDecider) {
        self.decider = decider
        self.fileIO = NonBlockingFileIO(threadPool: decider.threadPool)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            request = head
        case .body:
            break  // the API's GET has no body worth reading
        case .end:
            guard let head = request else { return }
            request = nil
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            decider.decide(head, on: context.eventLoop).whenComplete { result in
                let (handler, context) = loopBound.value
                switch result {
                case let .success(response):
                    handler.send(response, to: head, context: context)
                case .failure:
                    handler.send(.error(.internalServerError, code: "CDC.0500", message: "internal error"),
                              to: head, context: context)
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func sendJSON(_ status: HTTPResponseStatus, _ text: String, extra: HTTPHeaders,
                          to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var body = context.channel.allocator.buffer(capacity: text.utf8.count)
        body.writeString(text)
        var headers = extra
        headers.add(name: "Content-Type", value: "application/json;charset=UTF-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        writeHead(status, headers, request, context)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        finish(keepAlive: request.isKeepAlive, context: context)
    }

    private func send(_ response: ContentResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return response.discard() }
        let keepAlive = request.isKeepAlive
        switch response {
        case let .error(status, code, message, extra):
            sendJSON(status, #"{"error_code": "\#(code)", "error_msg": "\#(message)"}"#, extra: extra,
                     to: request, context: context)
        case let .json(status, text):
            sendJSON(status, text, extra: [:], to: request, context: context)
        case let .empty(status, headers):
            var headers = headers
            headers.add(name: "Content-Length", value: "0")
            writeHead(status, headers, request, context)
            finish(keepAlive: keepAlive, context: context)
        case let .archive(body):
            writeHead(body.status, body.headers, request, context)
            if request.method == .HEAD || body.count == 0 {
                finish(keepAlive: keepAlive, context: context) { try? body.file.close() }
            } else if body.chunked {
                streamChunks(body, keepAlive: keepAlive, context: context)
            } else {
                let region = FileRegion(fileHandle: body.file, readerIndex: body.offset,
                                        endIndex: body.offset + body.count)
                context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: nil)
                finish(keepAlive: keepAlive, context: context) { try? body.file.close() }
            }
        }
    }

    /// Reads the next chunk only once the previous one is written: memory stays at one
    /// chunk per connection however large the archive and however slow the client.
    private func streamChunks(_ body: ArchiveBody, keepAlive: Bool, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        fileIO.readChunked(fileHandle: body.file, fromOffset: Int64(body.offset), byteCount: body.count,
                           chunkSize: Self.chunkSize, allocator: context.channel.allocator,
                           eventLoop: context.eventLoop) { chunk in
            let (handler, context) = loopBound.value
            return context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(chunk))))
        }.whenComplete { result in
            let (handler, context) = loopBound.value
            switch result {
            case .success:
                handler.finish(keepAlive: keepAlive, context: context) { try? body.file.close() }
            case .failure:
                // The client left, or the file failed mid-body: the response cannot be
                // completed honestly, so the connection goes.
                try? body.file.close()
                context.close(promise: nil)
            }
        }
    }

    private func writeHead(_ status: HTTPResponseStatus, _ headers: HTTPHeaders,
                           _ request: HTTPRequestHead, _ context: ChannelHandlerContext) {
        var headers = headers
        if !request.isKeepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request.version.minor == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// Ends the response; `done` runs once the end is written or has failed, which is when
    /// the body's file is no longer in use.
    private func finish(keepAlive: Bool, context: ChannelHandlerContext, done: @escaping @Sendable () -> Void = {}) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { result in
            done()
            if !keepAlive || (try? result.get()) == nil { channel.close(promise: nil) }
        }
    }
}
