import Foundation

/// What the server says of one export a manifest lists, set against what the manifest
/// says: `logdumpfs check --probe`'s row.
public struct ProbeFinding: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The server's size is the manifest's, or the manifest gives none.
        case ok
        /// The server's size differs from the manifest's.
        case sizeMismatch
        /// 404: no such export on the server.
        case missing(RemoteError)
        /// 401 or 403, or no token to send.
        case refused(RemoteError)
        /// Anything else: no answer, a deadline passed, a 5xx that lasted.
        case failed(RemoteError)
    }

    public let entry: ExportEntry
    /// The export's size on the server; nil when it gave none or did not answer.
    public let serverSize: UInt64?
    /// ETag, else Last-Modified, when the server sent one.
    public let validator: String?
    public let verdict: Verdict

    public var isProblem: Bool { verdict != .ok }
}

/// Probes every export of a manifest (a one-byte ranged GET each, through the source
/// mounts use), `concurrency` at a time on threads of their own, each within `timeout`.
public enum ManifestProbe {
    /// One finding per entry, in the entries' order.
    public static func run(_ entries: [ExportEntry], source: any ExportSource, timeout: Duration,
                           concurrency: Int = 8) -> [ProbeFinding] {
        let work = ProbeWork(count: entries.count)
        let threads = min(max(1, concurrency), entries.count)
        for _ in 0..<threads {
            Thread.detachNewThread {
                while let index = work.next() {
                    work.finish(index, finding(for: entries[index], source: source, timeout: timeout))
                }
            }
        }
        return work.waitForAll()
    }

    static func finding(for entry: ExportEntry, source: any ExportSource, timeout: Duration) -> ProbeFinding {
        do {
            guard let answer = try source.probe(entry.location, timeout: timeout) else {
                return ProbeFinding(entry: entry, serverSize: nil, validator: nil,
                                    verdict: .failed(.badResponse("no answer")))
            }
            let agrees = entry.size == nil || answer.size == nil || answer.size == entry.size
            return ProbeFinding(entry: entry, serverSize: answer.size, validator: answer.validator,
                                verdict: agrees ? .ok : .sizeMismatch)
        } catch {
            let verdict: ProbeFinding.Verdict
            switch error.status {
            case 404?: verdict = .missing(error)
            case 401?, 403?: verdict = .refused(error)
            default:
                if case .tokenUnavailable = error { verdict = .refused(error) } else { verdict = .failed(error) }
            }
            return ProbeFinding(entry: entry, serverSize: nil, validator: nil, verdict: verdict)
        }
    }
}

/// The entries still to probe and the findings so far, shared by the probing threads.
private final class ProbeWork: @unchecked Sendable {
    private let monitor = Monitor()
    private let count: Int
    private var taken = 0
    private var findings: [ProbeFinding?]
    private var done = 0

    init(count: Int) {
        self.count = count
        findings = Array(repeating: nil, count: count)
    }

    func next() -> Int? {
        monitor.withLock {
            guard taken < count else { return nil }
            taken += 1
            return taken - 1
        }
    }

    func finish(_ index: Int, _ finding: ProbeFinding) {
        monitor.withLock {
            findings[index] = finding
            done += 1
            monitor.broadcast()
        }
    }

    /// Each probe has its own deadline, so this wait ends.
    func waitForAll() -> [ProbeFinding] {
        monitor.withLock {
            while !monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(60)), for: { done == count }) {}
            return findings.map { $0! }
        }
    }
}
