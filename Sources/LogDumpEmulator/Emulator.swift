import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 server on loopback that speaks the CloudDC download API (API.md) over
/// archives on local disk. It serves on NIO's own threads; every public call here may
/// be made from any thread except one of those (`stop()` blocks until they are gone).
public final class Emulator: Sendable {
    /// What a started emulator owns, released together by `stop()`.
    private struct Running: Sendable {
        let group: MultiThreadedEventLoopGroup
        let threadPool: NIOThreadPool
        let channel: Channel
    }

    private let config: EmulatorConfig
    private let state: EmulatorState
    private let running = Mutex<Running?>(nil)
    private let boundPort = Atomic<Int>(0)

    public init(_ config: EmulatorConfig) {
        self.config = config
        self.state = EmulatorState(config)
    }

    deinit { stop() }

    /// Binds and starts serving; returns the port. Calling it again while running returns
    /// the same port; after `stop()` it binds the port it had before, so a test can kill
    /// and restart the server under a client. Counters, faults and tokens carry over.
    @discardableResult
    public func start() throws -> Int {
        try running.withLock { running in
            if running != nil { return port }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let threadPool = NIOThreadPool(numberOfThreads: 2)
            threadPool.start()
            let router = RequestRouter(state: state, threadPool: threadPool)
            do {
                let channel = try ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    // Loopback autotuning starts at 16 KiB: each sendfile would move little and
                    // wait for writability again (measured 0.19 vs 1.0 GB/s, debug build, 1 GiB).
                    .childChannelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                                withPipeliningAssistance: true, withErrorHandling: true)
                            try channel.pipeline.syncOperations.addHandler(ContentHandler(router: router))
                        }
                    }
                    .bind(host: config.host, port: port > 0 ? port : config.port).wait()
                running = Running(group: group, threadPool: threadPool, channel: channel)
                boundPort.store(channel.localAddress?.port ?? 0, ordering: .relaxed)
                return port
            } catch {
                try? group.syncShutdownGracefully()
                try? threadPool.syncShutdownGracefully()
                throw error
            }
        }
    }

    /// Closes the listener, open connections and the threads. Idempotent.
    public func stop() {
        guard let taken = running.withLock({ r -> Running? in defer { r = nil }; return r }) else { return }
        try? taken.channel.close().wait()
        // The pool first, while the loops still run: pending file reads then fail on live
        // connections, which close their files, instead of completing on dead loops.
        try? taken.threadPool.syncShutdownGracefully()
        try? taken.group.syncShutdownGracefully()
    }

    /// The bound port (0 before the first `start()`); kept after `stop()`.
    public var port: Int { boundPort.load(ordering: .relaxed) }

    public var endpoint: String {
        let host = config.host.contains(":") ? "[\(config.host)]" : config.host
        return "http://\(host):\(port)"
    }

    /// GET requests to the content route answered so far, whatever their status.
    public var contentRequestCount: Int { state.contentRequests.load(ordering: .relaxed) }

    /// Sibling calls (listing, export request and status) so far, whatever their outcome.
    public var apiRequestCount: Int { state.apiRequests.load(ordering: .relaxed) }

    /// Replaces the fleet for requests that arrive after the call; exports already
    /// requested keep the settings they were requested under.
    public func setFleet(_ fleet: FleetConfig) { state.fleet.withLock { $0 = fleet } }

    /// The fleet in force.
    public var fleet: FleetConfig { state.fleet.withLock { $0 } }

    /// Requests to the IAM token endpoint so far, whatever their outcome.
    public var iamRequestCount: Int { state.iamRequests.load(ordering: .relaxed) }

    /// How many content GETs were answered with each status.
    public var statusCounts: [Int: Int] { state.statuses.withLock { $0 } }

    /// Zeroes every counter: content, sibling, IAM and metadata requests, statuses.
    public func resetCounters() { state.resetCounters() }

    /// Replaces the fault plan (and restarts its dice from its seed) for requests that
    /// arrive after the call. Responses already under way keep the faults they drew.
    public func setFaults(_ plan: FaultPlan) { state.setFaults(plan) }

    /// The plan in force, its burst counted down by the requests answered so far.
    public var faults: FaultPlan { state.faults.withLock { $0.plan } }

    /// Replaces the accepted static token at once: the old one gets 401 from now on, as
    /// an expired token would. Tokens the IAM endpoint issued are not affected.
    public func setToken(_ token: String) { state.setToken(token) }

    /// Replaces the signing config for requests that arrive after the call; temporary keys
    /// already minted stay valid until they expire.
    public func setSigning(_ config: SigningConfig) { state.setSigning(config) }

    /// The signing config in force.
    public var signing: SigningConfig { state.accessKeys.withLock { $0.config } }

    /// Requests to the metadata endpoint (session tokens and security keys) so far.
    public var metadataRequestCount: Int { state.metadataRequests.load(ordering: .relaxed) }

    /// Takes effect for requests decided after the call.
    public func setRangeHonoured(_ on: Bool) { state.switches.withLock { $0.honoursRange = on } }

    /// Takes effect for requests decided after the call.
    public func setContentLengthSent(_ on: Bool) { state.switches.withLock { $0.sendsContentLength = on } }
}
