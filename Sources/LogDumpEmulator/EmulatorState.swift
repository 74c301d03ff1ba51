import Synchronization

/// What the emulator's connections share with the test thread that owns the `Emulator`:
/// the runtime switches and the counters. Handlers run on NIO's threads, tests on theirs.
final class EmulatorState: Sendable {
    struct Switches: Sendable {
        var honoursRange: Bool
        var sendsContentLength: Bool
        var sendsValidators: Bool
    }

    let root: String
    let token: String
    let serialNumber: String
    let switches: Mutex<Switches>
    let contentRequests = Atomic<Int>(0)

    init(_ config: EmulatorConfig) {
        root = config.root
        token = config.token
        serialNumber = config.serialNumber
        switches = Mutex(Switches(honoursRange: config.honoursRange,
                                  sendsContentLength: config.sendsContentLength,
                                  sendsValidators: config.sendsValidators))
    }

    var currentSwitches: Switches { switches.withLock { $0 } }
}
