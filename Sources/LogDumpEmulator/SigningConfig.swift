import Foundation

/// How the emulator takes AK/SK-signed requests (SDK-HMAC-SHA256, as Huawei's API gateway
/// does): the permanent access keys it knows, whether tokens are still accepted, its own
/// clock, and the lifetime of the temporary keys its metadata endpoint mints.
/// `--auth` and `PUT /_emulator/auth` take it as JSON.
public struct SigningConfig: Sendable, Equatable, CustomStringConvertible {
    /// Permanent keys: access key (AK) to secret key (SK). JSON `"access_keys"`.
    public var accessKeys: [String: String] = [:]
    /// true: every API call must be signed; an `X-Auth-Token` alone is refused.
    /// JSON `"require_signature"`.
    public var requiresSignature = false
    /// Added to the real clock to give the emulator's: what `X-Sdk-Date` is checked
    /// against, what the `Date` header says, and when temporary keys expire. Lets a test
    /// make a skew, or replay requests signed at a fixed date. JSON `"clock_offset_seconds"`.
    public var clockOffsetSeconds = 0
    /// How far `X-Sdk-Date` may be from the emulator's clock, either way; the API gateway
    /// allows 15 minutes. JSON `"max_skew_seconds"`.
    public var maxSkewSeconds = 900
    /// Lifetime of the temporary keys each metadata fetch mints.
    /// JSON `"temporary_key_lifetime_seconds"`.
    public var temporaryKeyLifetimeSeconds = 900

    public init() {}

    /// Names the access keys only: secret keys stay out of logs and failure messages.
    public var description: String {
        "SigningConfig(access keys: \(accessKeys.keys.sorted()), requires signature: \(requiresSignature), "
            + "clock offset: \(clockOffsetSeconds) s, max skew: \(maxSkewSeconds) s, "
            + "temporary key lifetime: \(temporaryKeyLifetimeSeconds) s)"
    }
}

extension SigningConfig: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case accessKeys = "access_keys", requiresSignature = "require_signature"
        case clockOffsetSeconds = "clock_offset_seconds", maxSkewSeconds = "max_skew_seconds"
        case temporaryKeyLifetimeSeconds = "temporary_key_lifetime_seconds"
    }

    /// Parses and checks a config; absent keys take their defaults. The error names the key.
    public init(json: Data) throws(InvalidSigningConfig) {
        self = try CheckedJSON.decode(SigningConfig.self, from: json, InvalidSigningConfig.init)
    }

    /// Every key, sorted, with each secret key shown as `******`: what GET /_emulator/auth answers.
    public var json: String {
        var shown = self
        shown.accessKeys = accessKeys.mapValues { _ in "******" }
        return CheckedJSON.encode(shown)
    }

    public init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        accessKeys = try c.decodeIfPresent([String: String].self, forKey: .accessKeys) ?? accessKeys
        requiresSignature = try c.decodeIfPresent(Bool.self, forKey: .requiresSignature) ?? requiresSignature
        clockOffsetSeconds = try c.decodeWholeNumber(Int.self, forKey: .clockOffsetSeconds) ?? clockOffsetSeconds
        maxSkewSeconds = try c.decodeWholeNumber(Int.self, forKey: .maxSkewSeconds) ?? maxSkewSeconds
        temporaryKeyLifetimeSeconds = try c.decodeWholeNumber(Int.self, forKey: .temporaryKeyLifetimeSeconds)
            ?? temporaryKeyLifetimeSeconds
        if let problem = problems.first { throw InvalidSigningConfig(problem) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accessKeys, forKey: .accessKeys)
        try c.encode(requiresSignature, forKey: .requiresSignature)
        try c.encode(clockOffsetSeconds, forKey: .clockOffsetSeconds)
        try c.encode(maxSkewSeconds, forKey: .maxSkewSeconds)
        try c.encode(temporaryKeyLifetimeSeconds, forKey: .temporaryKeyLifetimeSeconds)
    }

    /// What is wrong with the values, in the order of the JSON keys.
    var problems: [String] {
        var found: [String] = []
        for (ak, sk) in accessKeys.sorted(by: { $0.key < $1.key }) {
            if !Self.isHeaderSafe(ak) {
                found.append("access_keys: \(jsonQuoted(ak)) is not one or more visible ASCII characters without , or =")
            } else if sk.isEmpty {
                found.append("access_keys[\(jsonQuoted(ak))]: the secret key is empty")
            }
        }
        if maxSkewSeconds < 0 { found.append("max_skew_seconds: \(maxSkewSeconds) is negative") }
        if temporaryKeyLifetimeSeconds < 1 {
            found.append("temporary_key_lifetime_seconds: \(temporaryKeyLifetimeSeconds) is not 1 second or more")
        }
        return found
    }

    /// What an `Access=` value in an Authorization header can carry.
    private static func isHeaderSafe(_ ak: String) -> Bool {
        !ak.isEmpty && ak.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
    }
}

/// Why a signing config was refused, in one line that names the key.
public struct InvalidSigningConfig: Error, CustomStringConvertible, Equatable {
    public let description: String

    init(_ description: String) { self.description = description }
}
