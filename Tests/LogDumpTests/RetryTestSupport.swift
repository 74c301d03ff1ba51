import Foundation
import LogDump

/// Fractions in [0, 1) from a fixed seed (SplitMix64): jitter tests that repeat exactly.
final class SeededRandom: @unchecked Sendable {
    private let lock = NSLock()
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    func next() -> Double {
        lock.withLock {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 53)
        }
    }
}

/// A monotonic clock that only moves when a test moves it.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = MonotonicInstant.now()

    var now: MonotonicInstant { lock.withLock { current } }

    func advance(by duration: Duration) {
        lock.withLock { current = current.advanced(by: duration) }
    }
}

/// What the daemon's log (standard error) received while `body` ran.
func capturingStandardError(_ body: () -> Void) -> String {
    let pipe = Pipe()
    let saved = dup(2)
    dup2(pipe.fileHandleForWriting.fileDescriptor, 2)
    body()
    dup2(saved, 2)
    close(saved)
    try? pipe.fileHandleForWriting.close()
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
}
