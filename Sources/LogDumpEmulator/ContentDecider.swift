#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Decides the answer to one request of the content route: faults, auth, lookup, Range.
/// It opens the archive (on the thread pool, never on the event loop) but sends nothing;
/// `ContentHandler` does.
struct ContentDecider: Sendable {
    let state: EmulatorState
    let threadPool: NIOThreadPool

    func decide(_ request: EmulatorRequest, on eventLoop: EventLoop) -> EventLoopFuture<ContentResponse> {
        let head = request.head
        guard let route = ContentRoute(uri: head.uri) else { return eventLoop.makeSucceededFuture(.notFound) }
        guard head.method == .GET || head.method == .HEAD else {
            return eventLoop.makeSucceededFuture(.methodNotAllowed)
        }
        // Faults are for downloads: a HEAD is answered as it is.
        guard head.method == .GET else { return answer(request, route, FaultRoll(), on: eventLoop) }
        state.contentRequests.add(1, ordering: .relaxed)
        let roll = state.faults.withLock { $0.roll() }
        return afterLatency(roll.latencyMilliseconds, on: eventLoop) {
            answer(request, route, roll, on: eventLoop)
        }
        .recover { _ in .error(.internalServerError, code: "CDC.0500", message: "internal error") }
        .map { [state] response in
            state.record(status: Int(response.status.code))
            return response
        }
    }

    /// Waits on a scheduled task, never on the loop's thread.
    private func afterLatency(_ milliseconds: Int, on eventLoop: EventLoop,
                              _ next: @escaping @Sendable () -> EventLoopFuture<ContentResponse>)
        -> EventLoopFuture<ContentResponse> {
        guard milliseconds > 0 else { return next() }
        return eventLoop.flatScheduleTask(in: .milliseconds(Int64(milliseconds))) { next() }.futureResult
    }

    private func answer(_ request: EmulatorRequest, _ route: ContentRoute, _ roll: FaultRoll,
                        on eventLoop: EventLoop) -> EventLoopFuture<ContentResponse> {
        if let status = roll.errorStatus {
            return eventLoop.makeSucceededFuture(.injected(status: status, retryAfter: roll.retryAfter))
        }
        if let refusal = RequestAuth(state: state).refusal(request.head, body: request.body) {
            return eventLoop.makeSucceededFuture(refusal)
        }
        let head = request.head
        let path = route.filePath(root: state.root)
        if let hostile = Self.hostileWhole(roll.hostile, path: path) {
            return threadPool.runIfActive(eventLoop: eventLoop, hostile)
        }
        let switches = state.currentSwitches
        let downloadName = ServerSerial.downloadName(server: route.serverID)
        return threadPool.runIfActive(eventLoop: eventLoop) { try OpenArchive(path: path) }
            .map { archive in
                guard let archive else { return .notFound }
                return Self.plan(head, archive, switches, downloadName: downloadName, roll: roll)
            }
    }

    /// A hostile 200 in place of the archive (answered on the thread pool, where the
    /// archive may be read), or nil to answer as usual.
    private static func hostileWhole(_ hostile: HostileAnswers, path: String) -> (@Sendable () throws -> ContentResponse)? {
        if let substitute = hostile.substituteBody {
            return { .body(.ok, contentType: substitute.contentType, Array(substitute.body.utf8)) }
        }
        guard hostile.contentEncoding == "gzip" else { return nil }
        return {
            guard let bytes = FileManager.default.contents(atPath: path) else { return .notFound }
            return .body(.ok, contentType: "application/octet-stream", GzipStored.encode(Array(bytes)),
                         headers: ["Content-Encoding": "gzip"])
        }
    }

    /// 200, 206 or 416 for an archive that exists.
    private static func plan(_ head: HTTPRequestHead, _ archive: OpenArchive,
                             _ switches: EmulatorState.Switches, downloadName: String, roll: FaultRoll) -> ContentResponse {
        let size = UInt64(archive.size)
        var headers: HTTPHeaders = [
            "Content-Disposition": "attachment; filename=\"\(downloadName)\"",
            "Content-Type": "application/octet-stream;charset=UTF-8",
            "Content-Transfer-Encoding": "binary",
        ]
        if switches.honoursRange { headers.add(name: "Accept-Ranges", value: "bytes") }
        if switches.sendsValidators {
            headers.add(name: "ETag", value: archive.etag)
            headers.add(name: "Last-Modified", value: archive.lastModified)
        }

        var first: UInt64 = 0, last: UInt64? = size > 0 ? size - 1 : nil
        var status = HTTPResponseStatus.ok
        if switches.honoursRange, let value = head.headers["Range"].first,
           let range = ByteRangeHeader(value), rangeStillValid(head, archive, switches) {
            switch range.resolve(size: size) {
            case .unsatisfiable:
                try? archive.file.close()
                return .empty(.rangeNotSatisfiable,
                              headers: headers.adding("Content-Range", "bytes */\(size)"))
            case let .satisfiable(a, b):
                let b = roll.hostile.partialLimitBytes.map { min(b, a + UInt64($0) - 1) } ?? b
                (first, last, status) = (a, b, .partialContent)
                headers.add(name: "Content-Range", value: "bytes \(a)-\(b)/\(size)")
            }
        }
        let count = last.map { Int($0 - first + 1) } ?? 0
        if switches.sendsContentLength {
            headers.add(name: "Content-Length", value: String(count))
        } else {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        var body = ArchiveBody(status: status, headers: headers, file: archive.file,
                               offset: Int(first), count: count, chunked: !switches.sendsContentLength)
        body.bandwidthBytesPerSecond = roll.bandwidthBytesPerSecond
        body.breakOff = roll.bodyCut.flatMap { cut in
            cut.offset(inBodyOf: count).map { BodyBreak(kind: cut.kind, afterBytes: $0) }
        }
        return .archive(body)
    }

    /// `If-Range` with another validator (or none we sent) means the client's partial copy
    /// is stale: answer the whole body, as RFC 9110 asks.
    private static func rangeStillValid(_ head: HTTPRequestHead, _ archive: OpenArchive,
                                        _ switches: EmulatorState.Switches) -> Bool {
        guard let ifRange = head.headers["If-Range"].first else { return true }
        guard switches.sendsValidators else { return false }
        return ifRange == archive.etag || ifRange == archive.lastModified
    }
}

extension HTTPHeaders {
    fileprivate func adding(_ name: String, _ value: String) -> HTTPHeaders {
        var copy = self
        copy.add(name: name, value: value)
        return copy
    }
}

/// An archive opened for one response, with what the validators are made of.
struct OpenArchive: Sendable {
    let file: NIOFileHandle
    let size: Int
    let mtimeSeconds: Int
    let mtimeNanoseconds: Int

    /// nil when there is no regular file at `path` (the export does not exist).
    init?(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: fd)
        size = Int(st.st_size)
        mtimeSeconds = Int(st.st_mtim.tv_sec)
        mtimeNanoseconds = Int(st.st_mtim.tv_nsec)
    }

    /// Strong, from size and mtime: changes whenever the archive is replaced.
    var etag: String {
        "\"\(String(size, radix: 16))-\(String(mtimeSeconds, radix: 16))-\(String(mtimeNanoseconds, radix: 16))\""
    }

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    var lastModified: String {
        formatUTC(mtimeSeconds, "%a, %d %b %Y %H:%M:%S GMT")
    }
}
