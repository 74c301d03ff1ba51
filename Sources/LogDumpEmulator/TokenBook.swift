/// The tokens the content route accepts: one static token (the configured one, replaced
/// by `setToken` to model expiry) and the tokens the IAM endpoint has issued, each until
/// its own expiry. As with Huawei IAM, a new token does not revoke older ones.
struct TokenBook: Sendable {
    enum Verdict: Equatable, Sendable {
        case valid
        /// Issued by the IAM endpoint, and past its expiry.
        case expired
        /// Missing, wrong, or a static token since replaced.
        case unknown
    }

    var staticToken: String
    private var issued: [String: WallClock] = [:]

    init(staticToken: String) { self.staticToken = staticToken }

    func check(_ token: String?, at now: WallClock) -> Verdict {
        guard let token else { return .unknown }
        if token == staticToken { return .valid }
        guard let expiry = issued[token] else { return .unknown }
        return now < expiry ? .valid : .expired
    }

    /// Remembers a fresh token until `expiry`. Tokens expired over an hour ago are
    /// forgotten (then answered as unknown), so a long run does not grow the book forever.
    mutating func issue(expiry: WallClock, at now: WallClock) -> String {
        let horizon = now.adding(seconds: -3600)
        issued = issued.filter { horizon < $0.value }
        let token = Self.freshToken()
        issued[token] = expiry
        return token
    }

    /// Shaped like Huawei's: a long opaque string starting `MII`, safe in a header.
    private static func freshToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return "MII" + String((0..<96).map { _ in alphabet[Int(generator.next() % 64)] })
    }
}
