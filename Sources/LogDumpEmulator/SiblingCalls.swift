import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers the sibling calls: the server listing, export requests and their status, with
/// the download route's auth check (token or signature) and the fault plan's `api_`
/// faults. An export that completes leaves its archive under the root (made on the thread
/// pool), so the content route serves it from then on.
struct SiblingCalls: Sendable {
    let state: EmulatorState
    let threadPool: NIOThreadPool

    func answer(_ request: EmulatorRequest, _ route: SiblingRoute,
                on eventLoop: EventLoop) -> EventLoopFuture<ContentResponse> {
        guard request.head.method.rawValue == route.method else {
            return eventLoop.makeSucceededFuture(.allowing(route.method))
        }
        state.apiRequests.add(1, ordering: .relaxed)
        if let fault = state.faults.withLock({ $0.rollAPI() }) {
            return eventLoop.makeSucceededFuture(.injected(status: fault.status, retryAfter: fault.retryAfter))
        }
        if let refusal = RequestAuth(state: state).refusal(request.head, body: request.body) {
            return eventLoop.makeSucceededFuture(refusal)
        }
        let fleet = state.fleet.withLock { $0 }
        switch route {
        case let .listServers(project):
            let query = request.head.uri.split(separator: "?", maxSplits: 1).dropFirst().first
            return eventLoop.makeSucceededFuture(ServerListing.answer(query: query, project: project, fleet: fleet))
        case let .requestExport(project, server):
            return onThreadPool(eventLoop) { try requestExport(project, server, fleet) }
        case let .exportStatus(project, server, export):
            return onThreadPool(eventLoop) { try exportStatus(project, server, export) }
        }
    }

    /// Off the event loop: these may look at the disk and write archives.
    private func onThreadPool(_ eventLoop: EventLoop,
                              _ work: @escaping @Sendable () throws -> ContentResponse) -> EventLoopFuture<ContentResponse> {
        threadPool.runIfActive(eventLoop: eventLoop, work)
            .recover { error in .error(.internalServerError, code: "CDC.0500", message: "internal error: \(error)") }
    }

    private func requestExport(_ project: String, _ server: String, _ fleet: FleetConfig) throws -> ContentResponse {
        guard serverExists(project, server, fleet) else {
            return .error(.notFound, code: "CDC.0404", message: "server \(server) not found in project \(project)")
        }
        let job = state.exports.withLock { $0.start(project: project, server: server, fleet: fleet, at: .now()) }
        return try answer(job, status: .accepted)
    }

    private func exportStatus(_ project: String, _ server: String, _ export: String) throws -> ContentResponse {
        guard let job = state.exports.withLock({ $0.job(project: project, server: server, id: export) }) else {
            return .error(.notFound, code: "CDC.0404", message: "export \(export) of server \(server) not found")
        }
        return try answer(job, status: .ok)
    }

    /// The job's progress now; a completed job's archive is written before it says so.
    private func answer(_ job: ExportJob, status: HTTPResponseStatus) throws -> ContentResponse {
        let progress = job.progress(at: .now())
        if progress == .completed { try writeArchive(job) }
        return .json(status, job.json(progress))
    }

    /// Once per job; concurrent polls of one job wait for the one that writes it.
    private func writeArchive(_ job: ExportJob) throws {
        try state.archiveWriting.withLock { _ in
            guard !state.exports.withLock({ $0.isWritten(job) }) else { return }
            _ = try SampleExports.write([job.sample], into: state.root)
            state.exports.withLock { $0.markWritten(job) }
        }
    }

    /// In the fleet, or with a directory of exports under the root.
    private func serverExists(_ project: String, _ server: String, _ fleet: FleetConfig) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "\(state.root)/\(project)/\(server)", isDirectory: &isDirectory),
           isDirectory.boolValue {
            return true
        }
        return FleetServers.servers(of: project, count: fleet.serversPerProject).contains { $0.id == server }
    }
}
