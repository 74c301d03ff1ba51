import Foundation

/// The JSON form of a fault plan, as the admin endpoint and `--faults` take it: snake_case
/// keys, string keys for `error_rates`, absent keys take defaults, and anything a typo or
/// a wrong number could mean (unknown keys, rates outside 0...1, bad kinds) is refused
/// with a message naming where, rather than silently injecting the wrong faults.
extension FaultPlan: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case errorRates = "error_rates", errorBurst = "error_burst", retryAfter = "retry_after"
        case latencyMilliseconds = "latency_ms", bandwidthBytesPerSecond = "bandwidth_bytes_per_second"
        case bodyFault = "body_fault", hostile, tokenLifetimeSeconds = "token_lifetime_seconds", seed
        case apiErrorRates = "api_error_rates", apiErrorBurst = "api_error_burst"
    }

    /// Parses and checks a plan; the error's `description` names the problem.
    public init(json: Data) throws(InvalidFaultPlan) {
        self = try CheckedJSON.decode(FaultPlan.self, from: json, InvalidFaultPlan.init)
    }

    /// Every key, sorted: what GET /_emulator/faults answers.
    public var json: String { CheckedJSON.encode(self) }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if let rates = try c.decodeIfPresent([String: Double].self, forKey: .errorRates) {
            errorRates = try Self.statusKeyed(rates, key: "error_rates")
        }
        if let rates = try c.decodeIfPresent([String: Double].self, forKey: .apiErrorRates) {
            apiErrorRates = try Self.statusKeyed(rates, key: "api_error_rates")
        }
        apiErrorBurst = try c.decodeIfPresent(ErrorBurst.self, forKey: .apiErrorBurst)
        errorBurst = try c.decodeIfPresent(ErrorBurst.self, forKey: .errorBurst)
        retryAfter = try c.decodeIfPresent(String.self, forKey: .retryAfter)
        latencyMilliseconds = try c.decodeWholeNumber(Int.self, forKey: .latencyMilliseconds) ?? latencyMilliseconds
        bandwidthBytesPerSecond = try c.decodeWholeNumber(Int.self, forKey: .bandwidthBytesPerSecond)
        bodyFault = try c.decodeIfPresent(BodyFault.self, forKey: .bodyFault)
        hostile = try c.decodeIfPresent(HostileAnswers.self, forKey: .hostile) ?? hostile
        tokenLifetimeSeconds = try c.decodeWholeNumber(Int.self, forKey: .tokenLifetimeSeconds) ?? tokenLifetimeSeconds
        seed = try c.decodeWholeNumber(UInt64.self, forKey: .seed) ?? seed
        if let problem = problems.first { throw InvalidFaultPlan(problem) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: errorRates.map { (String($0.key), $0.value) }),
                     forKey: .errorRates)
        try c.encodeIfPresent(errorBurst, forKey: .errorBurst)
        try c.encodeIfPresent(retryAfter, forKey: .retryAfter)
        try c.encode(latencyMilliseconds, forKey: .latencyMilliseconds)
        try c.encodeIfPresent(bandwidthBytesPerSecond, forKey: .bandwidthBytesPerSecond)
        try c.encodeIfPresent(bodyFault, forKey: .bodyFault)
        try c.encode(hostile, forKey: .hostile)
        try c.encode(tokenLifetimeSeconds, forKey: .tokenLifetimeSeconds)
        try c.encode(seed, forKey: .seed)
        try c.encode(Dictionary(uniqueKeysWithValues: apiErrorRates.map { (String($0.key), $0.value) }),
                     forKey: .apiErrorRates)
        try c.encodeIfPresent(apiErrorBurst, forKey: .apiErrorBurst)
    }

    private static func statusKeyed(_ rates: [String: Double], key: String) throws(InvalidFaultPlan) -> [Int: Double] {
        var result: [Int: Double] = [:]
        for (status, rate) in rates.sorted(by: { $0.key < $1.key }) {
            guard let code = Int(status), errorStatuses.contains(code) else {
                throw InvalidFaultPlan(#"\#(key)["\#(status)"]: not an HTTP error status (400...599)"#)
            }
            result[code] = rate
        }
        return result
    }

    /// What is wrong with the plan's values, in the order of its JSON keys.
    var problems: [String] {
        var found = Self.problems(errorRates, "error_rates") + Self.problems(errorBurst, "error_burst")
        if let value = retryAfter, value.isEmpty || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            found.append("retry_after: must be seconds or an HTTP date, without control characters")
        }
        if latencyMilliseconds < 0 { found.append("latency_ms: \(latencyMilliseconds) is negative") }
        if let cap = bandwidthBytesPerSecond, cap < 0 { found.append("bandwidth_bytes_per_second: \(cap) is negative") }
        if let fault = bodyFault {
            if let after = fault.afterBytes, after < 0 { found.append("body_fault.after_bytes: \(after) is negative") }
            if !(0...1).contains(fault.rate) { found.append("body_fault.rate: \(fault.rate) is not a probability") }
        }
        if let limit = hostile.partialLimitBytes, limit < 1 {
            found.append("hostile.partial_limit_bytes: \(limit) is not a positive number of bytes")
        }
        if let encoding = hostile.contentEncoding, !HostileAnswers.encodings.contains(encoding) {
            found.append("hostile.content_encoding: \"\(encoding)\" is not one of \(HostileAnswers.encodings.joined(separator: ", "))")
        }
        if let substitute = hostile.substituteBody,
           substitute.contentType.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            found.append("hostile.substitute_body.content_type: control characters")
        }
        if tokenLifetimeSeconds < 0 { found.append("token_lifetime_seconds: \(tokenLifetimeSeconds) is negative") }
        return found + Self.problems(apiErrorRates, "api_error_rates") + Self.problems(apiErrorBurst, "api_error_burst")
    }

    private static func problems(_ rates: [Int: Double], _ key: String) -> [String] {
        var found: [String] = []
        for (status, rate) in rates.sorted(by: { $0.key < $1.key }) where !(0...1).contains(rate) {
            found.append(#"\#(key)["\#(status)"]: \#(rate) is not a probability"#)
        }
        let total = rates.values.reduce(0, +)
        if found.isEmpty && total > 1 + 1e-9 { found.append("\(key): the rates add up to \(total), more than 1") }
        return found
    }

    private static func problems(_ burst: ErrorBurst?, _ key: String) -> [String] {
        guard let burst else { return [] }
        var found: [String] = []
        if !errorStatuses.contains(burst.status) {
            found.append("\(key).status: \(burst.status) is not an HTTP error status (400...599)")
        }
        if burst.count < 0 { found.append("\(key).count: \(burst.count) is negative") }
        return found
    }

    static let errorStatuses = 400...599
}

extension ErrorBurst: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable { case status, count }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let key = DecodingProblem.path(decoder.codingPath)  // error_burst or api_error_burst
        guard let status = try c.decodeWholeNumber(Int.self, forKey: .status) else {
            throw JSONProblem(description: #"\#(key): missing "status""#)
        }
        guard let count = try c.decodeWholeNumber(Int.self, forKey: .count) else {
            throw JSONProblem(description: #"\#(key): missing "count""#)
        }
        self.init(status: status, count: count)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(count, forKey: .count)
    }
}

extension HostileAnswers: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case partialLimitBytes = "partial_limit_bytes", contentEncoding = "content_encoding"
        case substituteBody = "substitute_body"
    }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(partialLimitBytes: try c.decodeWholeNumber(Int.self, forKey: .partialLimitBytes),
                  contentEncoding: try c.decodeIfPresent(String.self, forKey: .contentEncoding),
                  substituteBody: try c.decodeIfPresent(SubstituteBody.self, forKey: .substituteBody))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(partialLimitBytes, forKey: .partialLimitBytes)
        try c.encodeIfPresent(contentEncoding, forKey: .contentEncoding)
        try c.encodeIfPresent(substituteBody, forKey: .substituteBody)
    }
}

extension SubstituteBody: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable { case contentType = "content_type", body }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(contentType: try c.decode(String.self, forKey: .contentType), body: try c.decode(String.self, forKey: .body))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contentType, forKey: .contentType)
        try c.encode(body, forKey: .body)
    }
}

extension BodyFault: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, afterBytes = "after_bytes", rate
    }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: name) else {
            let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw InvalidFaultPlan("body_fault.kind: \"\(name)\" is not one of \(kinds)")
        }
        self.init(kind: kind, afterBytes: try c.decodeWholeNumber(Int.self, forKey: .afterBytes),
                  rate: try c.decodeIfPresent(Double.self, forKey: .rate) ?? 1)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encodeIfPresent(afterBytes, forKey: .afterBytes)
        try c.encode(rate, forKey: .rate)
    }
}

/// Why a fault plan was refused, in one line that names the key.
public struct InvalidFaultPlan: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) { self.description = description }
}
