import Synchronization

/// Where the bytes handed to a reader were found.
public enum ServedTier: Int, Sendable, CaseIterable {
    case memory, disk, network
}

/// The running mount's counters, owned by the daemon and handed to the parts that count:
/// the loader (bytes served, by tier), the sources (HTTP statuses, retries, renewals,
/// transfers in flight) and the filesystem (errors by errno). Counting on the read path
/// is one relaxed atomic add; what happens once per request or error takes a lock.
/// `snapshot` reads them all for the control socket (and, later, a metrics exporter).
public final class Statistics: Sendable {
    public let started = MonotonicInstant.now()
    private let servedMemory = Atomic<Int>(0)
    private let servedDisk = Atomic<Int>(0)
    private let servedNetwork = Atomic<Int>(0)
    private let retryCount = Atomic<Int>(0)
    private let renewalCount = Atomic<Int>(0)
    private let statuses = Mutex<[Int: Int]>([:])
    private let errors = Mutex<[Int32: Int]>([:])
    private let transfers = Mutex<(next: Int, running: [Int: TransferProgress])>((0, [:]))

    public init() {}

    /// `bytes` reached a reader from `tier`.
    public func served(_ bytes: Int, from tier: ServedTier) {
        guard bytes > 0 else { return }
        switch tier {
        case .memory: servedMemory.add(bytes, ordering: .relaxed)
        case .disk: servedDisk.add(bytes, ordering: .relaxed)
        case .network: servedNetwork.add(bytes, ordering: .relaxed)
        }
    }

    /// An HTTP request was answered with `status`; 0 when no answer came (a reset, a
    /// timeout, a refused connection).
    public func answered(status: Int) {
        statuses.withLock { $0[status, default: 0] += 1 }
    }

    /// A failed attempt is being tried again.
    public func retried() { retryCount.add(1, ordering: .relaxed) }

    /// A credential (token or access keys) was renewed after a 401.
    public func renewed() { renewalCount.add(1, ordering: .relaxed) }

    /// A read was answered with `errno`.
    public func failedRead(_ errno: Errno) {
        errors.withLock { $0[errno.rawValue, default: 0] += 1 }
    }

    /// Registers a download of `export` until `end` is called on what it returns.
    public func beginTransfer(of export: String, size: UInt64?) -> TransferProgress {
        transfers.withLock { state in
            let progress = TransferProgress(id: state.next, export: export, size: size)
            state.next += 1
            state.running[progress.id] = progress
            return progress
        }
    }

    public func endTransfer(_ progress: TransferProgress) {
        _ = transfers.withLock { $0.running.removeValue(forKey: progress.id) }
    }

    /// The counters now; gauges the statistics do not own (cache use, concurrency
    /// limits) are the caller's to add.
    public func snapshot() -> StatisticsSnapshot {
        let now = MonotonicInstant.now()
        var snapshot = StatisticsSnapshot()
        snapshot.uptimeSeconds = now.seconds(since: started)
        snapshot.served = ServedBytes(memory: servedMemory.load(ordering: .relaxed),
                                      disk: servedDisk.load(ordering: .relaxed),
                                      network: servedNetwork.load(ordering: .relaxed))
        snapshot.requests = statuses.withLock { $0 }.sorted { $0.key < $1.key }
            .map { RequestCount(status: $0.key, count: $0.value) }
        snapshot.retries = retryCount.load(ordering: .relaxed)
        snapshot.renewals = renewalCount.load(ordering: .relaxed)
        snapshot.readErrors = errors.withLock { $0 }.sorted { $0.key < $1.key }
            .map { ReadErrorCount(errno: $0.key, name: Errno($0.key).name, count: $0.value) }
        snapshot.transfers = transfers.withLock { Array($0.running.values) }.sorted { $0.id < $1.id }
            .map { $0.snapshot(at: now) }
        return snapshot
    }
}

/// One download in flight: its export, the bytes received so far and, once known, the
/// export's size. Updated by the transfer's thread, read by `snapshot`.
public final class TransferProgress: Sendable {
    let id: Int
    public let export: String
    let started = MonotonicInstant.now()
    private let received = Atomic<UInt64>(0)
    /// The export's size; 0 while unknown.
    private let size: Atomic<UInt64>

    init(id: Int, export: String, size: UInt64?) {
        self.id = id
        self.export = export
        self.size = Atomic(size ?? 0)
    }

    public func received(_ bytes: Int) { received.add(UInt64(bytes), ordering: .relaxed) }

    public func learned(size: UInt64?) {
        guard let size, self.size.load(ordering: .relaxed) == 0 else { return }
        self.size.store(size, ordering: .relaxed)
    }

    func snapshot(at now: MonotonicInstant) -> TransferSnapshot {
        let bytes = received.load(ordering: .relaxed)
        let seconds = now.seconds(since: started)
        let size = self.size.load(ordering: .relaxed)
        return TransferSnapshot(export: export, bytes: bytes, size: size == 0 ? nil : size, seconds: seconds,
                                bytesPerSecond: seconds > 0 ? Double(bytes) / seconds : 0)
    }
}

extension MonotonicInstant {
    func seconds(since earlier: MonotonicInstant) -> Double {
        nanoseconds > earlier.nanoseconds ? Double(nanoseconds - earlier.nanoseconds) / 1e9 : 0
    }
}
