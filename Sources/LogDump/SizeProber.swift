import Foundation

/// Learns the sizes of exports the manifest gives none, off the lookup's path.
///
/// The first lookup of an unsized export asks for a probe of it and of its unsized
/// siblings, which the kernel looks up next (`ls -l` stats every file). Probes run on
/// threads of their own, `concurrency` at a time, the asking export's first. Each has a
/// deadline, `timeout` after it was asked for, and a lookup waits for its probe only
/// until then: a listing waits one deadline at most, however many exports it holds and
/// however slowly the server answers. A probe still running at its deadline goes on (with
/// `timeout` of its own) and its answer serves later lookups. A failed probe is not
/// repeated for `retryDelay`.
public final class SizeProber: @unchecked Sendable {
    private let source: any ExportSource
    private let timeout: Duration
    private let retryDelay: Duration
    private let concurrency: Int
    /// Called on a probe's thread with each size a probe learns.
    private let learned: @Sendable (UInt64, ExportLocation) -> Void
    private let monitor = Monitor()
    // Guarded by `monitor`.
    private var probes: [ExportLocation: Probe] = [:]
    /// Probes to run: the exports lookups wait for first, then their siblings. Entries
    /// no longer waiting (taken from the other list already) are skipped.
    private var urgent: [ExportLocation] = []
    private var queue = FIFO()
    private var threads = 0
    private var stopped = false

    public init(source: any ExportSource, timeout: Duration = .seconds(5), retryDelay: Duration = .seconds(30),
                concurrency: Int = 8, learned: @escaping @Sendable (UInt64, ExportLocation) -> Void = { _, _ in }) {
        self.source = source
        self.timeout = timeout
        self.retryDelay = retryDelay
        self.concurrency = max(1, concurrency)
        self.learned = learned
    }

    /// The size of the export at `location`, probing it (and `siblings()`, the unsized
    /// exports next to it) unless that was done or failed lately. Blocks until the probe
    /// answers or its deadline passes; nil when no size is known by then.
    public func size(of location: ExportLocation, siblings: () -> [ExportLocation]) -> UInt64? {
        let deadline = monitor.withLock { pendingDeadline(of: location) }
            ?? startProbes(of: location, siblings: siblings())
        return monitor.withLock {
            _ = monitor.wait(until: deadline) { stopped || !probes[location].isPending }
            return knownSize(location)
        }
    }

    /// Asks for probes of `location` and of those `siblings` that need one; returns
    /// `location`'s deadline.
    private func startProbes(of location: ExportLocation, siblings: [ExportLocation]) -> MonotonicInstant {
        monitor.withLock {
            // Another lookup may have asked meanwhile.
            if let deadline = pendingDeadline(of: location) { return deadline }
            let deadline = MonotonicInstant.now().advanced(by: timeout)
            ask(location, deadline: deadline, urgently: true)
            for sibling in siblings where needsProbe(sibling) { ask(sibling, deadline: deadline, urgently: false) }
            startThreads()
            return deadline
        }
    }

    /// The size a probe found, without probing.
    public func knownSize(of location: ExportLocation) -> UInt64? {
        monitor.withLock { knownSize(location) }
    }

    /// Drops the probes not started and cancels the running ones; returns once their
    /// threads have ended (they notice within about a second), or after 3 seconds.
    public func stop() {
        monitor.withLock {
            stopped = true
            urgent.removeAll()
            queue = FIFO()
            monitor.broadcast()
            _ = monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(3))) { threads == 0 }
        }
    }

    // MARK: Lock held

    private func knownSize(_ location: ExportLocation) -> UInt64? {
        if case .answered(let size)? = probes[location] { return size }
        return nil
    }

    private func needsProbe(_ location: ExportLocation) -> Bool {
        switch probes[location] {
        case nil: true
        case .failed(let retryAfter)?: MonotonicInstant.now() >= retryAfter
        case .waiting?, .running?, .answered?: false
        }
    }

    /// When a lookup of `location` stops waiting: now, when its size is known or its
    /// probe failed lately; its probe's deadline while that is pending (a waiting probe
    /// moves ahead of its siblings); nil when it needs a new probe.
    private func pendingDeadline(of location: ExportLocation) -> MonotonicInstant? {
        if stopped { return .now() }
        switch probes[location] {
        case .waiting(let deadline)?:
            urgent.append(location)
            return deadline
        case .running(let deadline)?:
            return deadline
        case .answered?:
            return .now()
        case nil, .failed?:
            return needsProbe(location) ? nil : .now()
        }
    }

    private func ask(_ location: ExportLocation, deadline: MonotonicInstant, urgently: Bool) {
        probes[location] = .waiting(deadline: deadline)
        if urgently { urgent.append(location) } else { queue.append(location) }
    }

    private func startThreads() {
        let waiting = urgent.count + queue.count
        let more = min(concurrency - threads, waiting)
        guard more > 0 else { return }
        threads += more
        for _ in 0..<more { Thread.detachNewThread { [self] in work() } }
    }

    /// The next probe to run, marked running; nil (and one thread fewer) when none is left.
    private func next() -> (ExportLocation, MonotonicInstant)? {
        while !stopped, let location = urgent.popLast() ?? queue.popFirst() {
            if case .waiting(let deadline)? = probes[location] {
                probes[location] = .running(deadline: deadline)
                return (location, deadline)
            }
        }
        threads -= 1
        monitor.broadcast()
        return nil
    }

    // MARK: Probe threads

    private func work() {
        while let (location, _) = monitor.withLock({ next() }) {
            let result = Result { () throws(RemoteError) in
                try source.probeSize(location, timeout: timeout, isCancelled: { [self] in isStopped })
            }
            finish(location, result)
        }
    }

    private var isStopped: Bool { monitor.withLock { stopped } }

    private func finish(_ location: ExportLocation, _ result: Result<UInt64?, RemoteError>) {
        let recorded: Bool = monitor.withLock {
            guard !stopped else { return false }
            switch result {
            case .success(let size):
                probes[location] = .answered(size)
            case .failure:
                probes[location] = .failed(retryAfter: MonotonicInstant.now().advanced(by: retryDelay))
            }
            monitor.broadcast()
            return true
        }
        guard recorded else { return }
        switch result {
        case .success(let size?):
            learned(size, location)
        case .success(nil):
            Log.info("\(location.key): the server gives no size; reads stream to the end")
        case .failure(let error):
            Log.warning("probing the size of \(location.key) failed: \(error); not trying again for \(retryDelay.secondsText)")
        }
    }
}

/// What probing one export has come to.
private enum Probe {
    /// Asked for, not yet started; lookups wait for it until `deadline`.
    case waiting(deadline: MonotonicInstant)
    case running(deadline: MonotonicInstant)
    /// The server answered; nil when it gave no size.
    case answered(UInt64?)
    case failed(retryAfter: MonotonicInstant)
}

extension Optional<Probe> {
    /// Asked for and not yet answered or failed.
    fileprivate var isPending: Bool {
        switch self {
        case .waiting?, .running?: true
        case .answered?, .failed?, nil: false
        }
    }
}

/// A first-in, first-out queue with O(1) steps.
private struct FIFO {
    private var items: [ExportLocation] = []
    private var head = 0

    var count: Int { items.count - head }

    mutating func append(_ item: ExportLocation) { items.append(item) }

    mutating func popFirst() -> ExportLocation? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        return item
    }
}
