import Synchronization

/// What the emulator's connections share with the test thread that owns the `Emulator`:
/// the runtime switches, faults, tokens and counters. Handlers run on NIO's threads, tests
/// on theirs.
final class EmulatorState: Sendable {
    struct Switches: Sendable {
        var honoursRange: Bool
        var sendsContentLength: Bool
        var sendsValidators: Bool
    }

    let root: String
    let iamUser: IAMUser?
    let switches: Mutex<Switches>
    let faults: Mutex<ActiveFaults>
    let tokens: Mutex<TokenBook>
    let fleet: Mutex<FleetConfig>
    let accessKeys: Mutex<AccessKeyBook>
    let exports = Mutex(ExportJobs())
    /// Held while a completed export's archive is written, so it is written once.
    let archiveWriting = Mutex(())
    let contentRequests = Atomic<Int>(0)
    /// Sibling calls (listing, export request and status) received with a known method.
    let apiRequests = Atomic<Int>(0)
    let iamRequests = Atomic<Int>(0)
    let metadataRequests = Atomic<Int>(0)
    /// Statuses of content GETs answered, by status.
    let statuses = Mutex<[Int: Int]>([:])

    init(_ config: EmulatorConfig) {
        root = config.root
        iamUser = config.iamUser
        switches = Mutex(Switches(honoursRange: config.honoursRange,
                                  sendsContentLength: config.sendsContentLength,
                                  sendsValidators: config.sendsValidators))
        faults = Mutex(ActiveFaults(config.faults))
        tokens = Mutex(TokenBook(staticToken: config.token))
        fleet = Mutex(config.fleet)
        accessKeys = Mutex(AccessKeyBook(config.signing))
    }

    var currentSwitches: Switches { switches.withLock { $0 } }

    /// Replaces the plan and restarts its dice.
    func setFaults(_ plan: FaultPlan) { faults.withLock { $0.replace(plan) } }

    func setToken(_ token: String) { tokens.withLock { $0.staticToken = token } }

    /// Keeps the temporary keys already minted: they stay valid until they expire.
    func setSigning(_ config: SigningConfig) { accessKeys.withLock { $0.config = config } }

    /// The emulator's clock (the signing config's offset applied).
    var now: WallClock { accessKeys.withLock { $0.now } }

    func record(status: Int) { statuses.withLock { $0[status, default: 0] += 1 } }

    func resetCounters() {
        contentRequests.store(0, ordering: .relaxed)
        iamRequests.store(0, ordering: .relaxed)
        apiRequests.store(0, ordering: .relaxed)
        metadataRequests.store(0, ordering: .relaxed)
        statuses.withLock { $0 = [:] }
    }
}
