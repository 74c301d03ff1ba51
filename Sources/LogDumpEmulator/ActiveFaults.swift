/// The fault plan in force and its dice: what each content GET and sibling call draws its
/// faults from.
/// Lives in a Mutex in `EmulatorState`; every method is quick and never blocks.
struct ActiveFaults: Sendable {
    private(set) var plan: FaultPlan
    /// Seeded, so a run of faults can be repeated, unlike with the system generator.
    private var dice: SplitMix64
    /// The sibling calls' own dice, so that they do not shift the downloads' faults.
    private var apiDice: SplitMix64

    init(_ plan: FaultPlan) {
        self.plan = plan
        dice = SplitMix64(seed: plan.seed)
        apiDice = SplitMix64(seed: ~plan.seed)
    }

    /// A new plan restarts the dice from its seed, so a test that sets a plan then
    /// sends requests sees the same faults on every run.
    mutating func replace(_ plan: FaultPlan) { self = ActiveFaults(plan) }

    /// One content GET's faults. It always takes three draws, whatever the plan, so the
    /// sequence a seed gives does not depend on which knobs are on.
    mutating func roll() -> FaultRoll {
        let (statusDraw, bodyDraw, offsetDraw) = (dice.unit(), dice.unit(), dice.unit())
        var roll = FaultRoll()
        roll.latencyMilliseconds = max(0, plan.latencyMilliseconds)
        roll.bandwidthBytesPerSecond = plan.bandwidthBytesPerSecond.flatMap { $0 > 0 ? $0 : nil }
        roll.hostile = plan.hostile
        if let burst = plan.errorBurst, burst.count > 0 {
            roll.errorStatus = burst.status
            plan.errorBurst = burst.count > 1 ? ErrorBurst(status: burst.status, count: burst.count - 1) : nil
        } else {
            roll.errorStatus = Self.status(drawn: statusDraw, rates: plan.errorRates)
        }
        roll.retryAfter = retryAfter(for: roll.errorStatus)
        if let fault = plan.bodyFault, bodyDraw < fault.rate {
            roll.bodyCut = BodyCut(kind: fault.kind, afterBytes: fault.afterBytes, share: offsetDraw)
        }
        return roll
    }

    /// A sibling call's error status (and its Retry-After), or nil to answer it as usual.
    mutating func rollAPI() -> (status: Int, retryAfter: String?)? {
        let draw = apiDice.unit()
        let status: Int?
        if let burst = plan.apiErrorBurst, burst.count > 0 {
            status = burst.status
            plan.apiErrorBurst = burst.count > 1 ? ErrorBurst(status: burst.status, count: burst.count - 1) : nil
        } else {
            status = Self.status(drawn: draw, rates: plan.apiErrorRates)
        }
        return status.map { ($0, retryAfter(for: $0)) }
    }

    private func retryAfter(for status: Int?) -> String? {
        status == 429 || status == 503 ? plan.retryAfter : nil
    }

    /// The rates laid end to end on [0, 1), in status order: the draw lands in one or past all.
    private static func status(drawn draw: Double, rates: [Int: Double]) -> Int? {
        var edge = 0.0
        for (status, rate) in rates.sorted(by: { $0.key < $1.key }) {
            edge += min(max(rate, 0), 1)
            if draw < edge { return status }
        }
        return nil
    }
}

/// One content GET's share of the faults, drawn when it arrives.
struct FaultRoll: Sendable {
    var latencyMilliseconds = 0
    /// Answer with this status and a JSON error instead of the export.
    var errorStatus: Int?
    var retryAfter: String?
    var bandwidthBytesPerSecond: Int?
    var bodyCut: BodyCut?
    var hostile = HostileAnswers()
}

/// Where and how a body breaks off.
struct BodyCut: Sendable, Equatable {
    var kind: BodyFault.Kind
    /// nil: `share` of the way into the body.
    var afterBytes: Int?
    /// Uniform in [0, 1).
    var share: Double

    /// Body bytes sent before the fault; nil when the body ends first.
    func offset(inBodyOf count: Int) -> Int? {
        guard count > 0 else { return nil }
        let at = afterBytes.map { max(0, $0) } ?? min(count - 1, Int(share * Double(count)))
        return at < count ? at : nil
    }
}

extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
