import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends an archive body piece by piece, each read on the thread pool only after the
/// previous one was written, so memory stays at one piece per connection however large
/// the archive and however slow the client. Serves what sendfile cannot: chunked bodies,
/// bodies under a bandwidth cap (waits are scheduled tasks, never sleeps on the loop) and
/// bodies that break off.
struct BodyStream: Sendable {
    /// Unpaced pieces: big enough that the thread-pool hop is cheap.
    static let pieceBytes = 512 * 1024
    /// A paced body leaves in pieces of 1/100 s worth, so the cap holds over short spans too.
    static let pacedPiecesPerSecond = 100

    let body: ArchiveBody
    let fileIO: NonBlockingFileIO
    let keepAlive: Bool

    func start(context: ChannelHandlerContext) {
        send(from: 0, startedAt: .now(), context: NIOLoopBound(context, eventLoop: context.eventLoop))
    }

    /// Bytes sent before the body ends or breaks off.
    private var limit: Int { body.breakOff?.afterBytes ?? body.count }

    private var pieceBytes: Int {
        guard let rate = body.bandwidthBytesPerSecond else { return Self.pieceBytes }
        return min(Self.pieceBytes, max(1, rate / Self.pacedPiecesPerSecond))
    }

    /// Under a cap, byte `sent` may leave `sent / rate` seconds after the start (a token
    /// bucket that holds one piece), and the body ends `count / rate` seconds after it.
    private func due(_ sent: Int, startedAt: NIODeadline) -> NIODeadline? {
        guard let rate = body.bandwidthBytesPerSecond else { return nil }
        return startedAt + .nanoseconds(Int64((Double(sent) / Double(rate) * 1e9).rounded(.up)))
    }

    private func send(from sent: Int, startedAt: NIODeadline, context: NIOLoopBound<ChannelHandlerContext>) {
        whenDue(due(sent, startedAt: startedAt), context) {
            guard sent < limit else { return end(context.value) }
            let length = min(pieceBytes, limit - sent)
            fileIO.read(fileHandle: body.file, fromOffset: Int64(body.offset + sent), byteCount: length,
                        allocator: context.value.channel.allocator, eventLoop: context.value.eventLoop)
                .flatMap { piece -> EventLoopFuture<Int> in
                    // A file that shrank under us cannot honour the promised length.
                    guard piece.readableBytes > 0 else { return context.value.eventLoop.makeFailedFuture(ShortFile()) }
                    return context.value.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(piece))))
                        .map { piece.readableBytes }
                }
                .whenComplete { result in
                    switch result {
                    case let .success(count): send(from: sent + count, startedAt: startedAt, context: context)
                    case .failure: abandon(context.value)
                    }
                }
        }
    }

    /// Runs `next` on the loop at `deadline` (now when nil); if the loop shuts down first,
    /// or the client has gone meanwhile, the response is abandoned instead.
    private func whenDue(_ deadline: NIODeadline?, _ context: NIOLoopBound<ChannelHandlerContext>,
                         _ next: @escaping @Sendable () -> Void) {
        guard let deadline, deadline > .now() else { return next() }
        context.value.eventLoop.scheduleTask(deadline: deadline) {}.futureResult.whenComplete { result in
            guard case .success = result, context.value.channel.isActive else { return abandon(context.value) }
            next()
        }
    }

    private func end(_ context: ChannelHandlerContext) {
        guard let breakOff = body.breakOff else {
            return context.finishResponse(keepAlive: keepAlive) { [file = body.file] in try? file.close() }
        }
        try? body.file.close()
        switch breakOff.kind {
        case .stall: break  // the connection stays open and silent until the client or stop() closes it
        case .truncate: context.close(promise: nil)
        case .reset: ConnectionReset.reset(context.channel)
        }
    }

    /// The client left, or the file failed mid-body: the response cannot be completed
    /// honestly, so the connection goes.
    private func abandon(_ context: ChannelHandlerContext) {
        try? body.file.close()
        context.close(promise: nil)
    }
}

private struct ShortFile: Error {}
