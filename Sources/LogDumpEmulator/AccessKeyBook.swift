/// The access keys the emulator knows (the configured permanent ones, and the temporary
/// ones its metadata endpoint has minted, each until its expiry) and the metadata
/// endpoint's session tokens. Lives in a Mutex in `EmulatorState`.
struct AccessKeyBook: Sendable {
    /// A key pair the metadata endpoint handed out, with the token that must go with it.
    struct TemporaryKey: Sendable {
        var access: String
        var secret: String
        var securityToken: String
        var expiry: WallClock
    }

    enum Lookup: Sendable {
        case permanent(secret: String)
        case temporary(TemporaryKey)
        case unknown
    }

    var config: SigningConfig
    private var temporary: [String: TemporaryKey] = [:]
    private var metadataTokens: [String: WallClock] = [:]

    init(_ config: SigningConfig) { self.config = config }

    /// The emulator's clock: the real one moved by the configured offset.
    var now: WallClock { WallClock.now().adding(seconds: config.clockOffsetSeconds) }

    func lookup(_ access: String) -> Lookup {
        if let secret = config.accessKeys[access] { return .permanent(secret: secret) }
        if let key = temporary[access] { return .temporary(key) }
        return .unknown
    }

    /// A fresh key pair and security token, valid for the configured lifetime. Keys expired
    /// over an hour ago are forgotten (then answered as unknown), so the book stays small.
    mutating func mintTemporaryKey() -> TemporaryKey {
        let now = self.now
        let horizon = now.adding(seconds: -3600)
        temporary = temporary.filter { horizon < $0.value.expiry }
        let key = TemporaryKey(access: Self.random(20, from: Self.upperAlphanumeric),
                               secret: Self.random(40, from: Self.alphanumeric),
                               securityToken: Self.random(344, from: Self.alphanumeric + Array("-_")),
                               expiry: now.adding(seconds: config.temporaryKeyLifetimeSeconds))
        temporary[key.access] = key
        return key
    }

    /// A session token for the metadata endpoint, valid `seconds` (on the real clock: it is
    /// the metadata service's own business, not a signature's).
    mutating func issueMetadataToken(seconds: Int) -> String {
        let now = WallClock.now()
        metadataTokens = metadataTokens.filter { now < $0.value }
        let token = Self.random(56, from: Self.alphanumeric)
        metadataTokens[token] = now.adding(seconds: seconds)
        return token
    }

    func metadataTokenIsValid(_ token: String) -> Bool {
        metadataTokens[token].map { WallClock.now() < $0 } ?? false
    }

    private static let upperAlphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    private static let alphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    private static func random(_ count: Int, from alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
