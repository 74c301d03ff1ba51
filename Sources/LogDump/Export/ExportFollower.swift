import Foundation

/// Requests an export of each server's logs and follows it until it completes, fails,
/// the timeout passes or `cancel()` is called: `concurrency` servers at a time, each on a
/// thread of its own (the API's calls block), polling every `pollInterval`.
///
/// Each change is told to `onChange` (from the worker threads, one server's changes in
/// order). A completed export is handed to `keep` at once (to add it to the manifest);
/// an error from `keep` makes it failed. Once cancelled, nothing new is kept, but a
/// `keep` under way is waited for, so that what `run` reports as completed is kept.
public final class ExportFollower: @unchecked Sendable {
    public typealias Keep = @Sendable (FollowedExport) throws -> Void

    private let api: any CloudDCAPI
    private let project: String
    private let concurrency: Int
    private let pollInterval: Duration
    private let timeout: Duration
    private let onChange: @Sendable (FollowedExport) -> Void
    private let keep: Keep

    private let monitor = Monitor()
    // Guarded by monitor.
    private var states: [FollowedExport] = []
    private var next = 0
    private var working = 0
    private var keeping = 0
    /// Set by `cancel()`, or by `run` when the timeout passes: nothing more is told or kept.
    private var stopped = false
    private var cancelled = false

    public init(api: any CloudDCAPI, project: String, concurrency: Int = 4, pollInterval: Duration = .seconds(2),
                timeout: Duration, onChange: @escaping @Sendable (FollowedExport) -> Void = { _ in },
                keep: @escaping Keep = { _ in }) {
        self.api = api
        self.project = project
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.onChange = onChange
        self.keep = keep
    }

    /// Stops following at once: sleeping workers wake, nothing is requested or kept after.
    public func cancel() {
        monitor.withLock {
            cancelled = true
            stopped = true
            monitor.broadcast()
        }
    }

    /// Follows every target; returns their final states in the targets' order.
    public func run(_ targets: [ExportTarget]) -> [FollowedExport] {
        let deadline = MonotonicInstant.now().advanced(by: timeout)
        let threads = monitor.withLock {
            states = targets.map(FollowedExport.init)
            next = 0
            working = min(concurrency, targets.count)
            return working
        }
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in
                while let index = take() { follow(index, until: deadline) }
                monitor.withLock {
                    working -= 1
                    monitor.broadcast()
                }
            }
        }
        return monitor.withLock {
            // A worker still in a call at the deadline is not waited for; one keeping a
            // completed export is (keeping is bounded by its own timeouts).
            _ = monitor.wait(until: deadline) { working == 0 || stopped }
            stopped = true
            monitor.broadcast()
            _ = monitor.wait(until: MonotonicInstant(nanoseconds: .max)) { keeping == 0 }
            let now = MonotonicInstant.now()
            for index in states.indices where !states[index].outcome.isFinal {
                states[index].outcome = cancelled ? .interrupted : .timedOut
                states[index].endedAt = now
            }
            return states
        }
    }

    private func take() -> Int? {
        monitor.withLock {
            guard !stopped, next < states.count else { return nil }
            next += 1
            return next - 1
        }
    }

    private func follow(_ index: Int, until deadline: MonotonicInstant) {
        let server = monitor.withLock { states[index].target.serverID }
        guard MonotonicInstant.now() < deadline else { return finish(index, .timedOut) }
        update(index) { $0.outcome = .running; $0.startedAt = .now() }
        var progress: ExportProgress
        do {
            progress = try api.requestExport(project: project, server: server)
        } catch {
            return finish(index, .failed("the export request failed: \(error)"))
        }
        while true {
            if case .failed(let message) = progress.phase {
                return finish(index, .failed(message.isEmpty ? "failed, without a message" : message), progress)
            }
            guard update(index, { $0.progress = progress }) else { return }
            if progress.phase == .completed { return keepCompleted(index) }
            // Sleep until the next poll, the deadline or a cancellation.
            let wake = min(MonotonicInstant.now().advanced(by: pollInterval), deadline)
            let stop = monitor.withLock { monitor.wait(until: wake) { stopped } }
            if stop { return }
            guard MonotonicInstant.now() < deadline else { return finish(index, .timedOut) }
            do {
                progress = try api.exportStatus(project: project, server: server, export: progress.exportID)
            } catch {
                return finish(index, .failed("following export \(progress.exportID.quotedForLog()) failed: \(error)"))
            }
        }
    }

    /// Applies `change` and tells it; false (and no change) once cancelled.
    @discardableResult
    private func update(_ index: Int, _ change: (inout FollowedExport) -> Void) -> Bool {
        let state: FollowedExport? = monitor.withLock {
            guard !stopped else { return nil }
            let before = states[index]
            change(&states[index])
            return states[index] == before ? nil : states[index]
        }
        if let state { onChange(state) }
        return monitor.withLock { !stopped }
    }

    private func finish(_ index: Int, _ outcome: FollowedExport.Outcome, _ progress: ExportProgress? = nil) {
        update(index) {
            $0.outcome = outcome
            $0.endedAt = .now()
            if let progress { $0.progress = progress }
        }
    }

    private func keepCompleted(_ index: Int) {
        let state: FollowedExport? = monitor.withLock {
            guard !stopped else { return nil }
            keeping += 1
            return states[index]
        }
        guard var state else { return }
        state.outcome = .completed
        var outcome = FollowedExport.Outcome.completed
        do { try keep(state) } catch { outcome = .failed("completed, but not kept: \(error)") }
        let final: FollowedExport = monitor.withLock {
            keeping -= 1
            states[index].outcome = outcome
            states[index].endedAt = .now()
            monitor.broadcast()
            return states[index]
        }
        onChange(final)
    }
}
