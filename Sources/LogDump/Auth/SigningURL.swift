/// A request URL as SDK-HMAC-SHA256 signs it: the `Host` curl sends for it, and its
/// path and query in canonical form. Built from the URL exactly as it is handed to curl,
/// so that what is signed is what the server receives.
struct SigningURL: Sendable, Equatable {
    /// The `Host` header curl sends: the URL's host as written, and `:port` unless the
    /// URL has none or the scheme's default (curl leaves those out).
    var host: String
    /// The path as curl sends it: percent-encoded, dot segments removed, "/" when empty.
    var path: String
    /// The query as sent (without "?"), empty when there is none.
    var query: String

    init(_ url: String) {
        var rest = Substring(url)
        var scheme = ""
        if let end = rest.firstRange(of: "://") {
            scheme = rest[..<end.lowerBound].lowercased()
            rest = rest[end.upperBound...]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        host = Self.hostHeader(rest[..<authorityEnd], scheme: scheme)
        rest = rest[authorityEnd...]
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        } else {
            query = ""
        }
        path = Self.removingDotSegments(rest.isEmpty ? "/" : String(rest))
    }

    /// The canonical URI: the path percent-decoded, split at every "/" (an encoded one
    /// too), each segment encoded again (all but RFC 3986's unreserved characters), and
    /// ending in "/".
    var canonicalPath: String {
        let segments = Self.percentDecoded(path).split(separator: "/", omittingEmptySubsequences: false)
        let encoded = segments.map { ExportLocation.encodeSegment(String($0)) }.joined(separator: "/")
        return encoded.hasSuffix("/") ? encoded : encoded + "/"
    }

    /// The canonical query: each `key=value` pair (a bare key has an empty value)
    /// decoded, sorted by key then value (by code point), encoded again and joined by "&".
    var canonicalQuery: String {
        let pairs = query.split(separator: "&").map { pair -> (key: String, value: String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.percentDecoded(parts[0]), parts.count > 1 ? Self.percentDecoded(parts[1]) : "")
        }
        return pairs.sorted { a, b in
            a.key != b.key ? Self.codePointsPrecede(a.key, b.key) : Self.codePointsPrecede(a.value, b.value)
        }
        .map { ExportLocation.encodeSegment($0.key) + "=" + ExportLocation.encodeSegment($0.value) }
        .joined(separator: "&")
    }

    private static func codePointsPrecede(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    /// `%XX` turned into its byte; a `%` not followed by two hex digits stays as it is;
    /// bytes that are not UTF-8 become U+FFFD.
    static func percentDecoded<Text: StringProtocol>(_ text: Text) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `authority` without userinfo, with the port as curl writes it: its number, left
    /// out when it is empty or the scheme's default.
    private static func hostHeader(_ authority: Substring, scheme: String) -> String {
        var hostPort = authority
        if let at = hostPort.lastIndex(of: "@") { hostPort = hostPort[hostPort.index(after: at)...] }
        let hostEnd = hostPort.hasPrefix("[") ? (hostPort.firstIndex(of: "]").map(hostPort.index(after:)) ?? hostPort.endIndex)
                                              : (hostPort.firstIndex(of: ":") ?? hostPort.endIndex)
        let host = hostPort[..<hostEnd]
        let portText = hostPort[hostEnd...].dropFirst()  // after the ":"
        guard let port = Int(portText) else { return String(host) }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        return port == defaultPort ? String(host) : "\(host):\(port)"
    }

    /// RFC 3986's remove_dot_segments, which curl applies to the path before sending it.
    static func removingDotSegments(_ path: String) -> String {
        guard path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." })
        else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        while !input.isEmpty {
            if input.hasPrefix("../") { input = input.dropFirst(3) }
            else if input.hasPrefix("./") { input = input.dropFirst(2) }
            else if input.hasPrefix("/./") { input = input.dropFirst(2) }
            else if input == "/." { input = "/" }
            else if input.hasPrefix("/../") { input = input.dropFirst(3); _ = output.popLast() }
            else if input == "/.." { input = "/"; _ = output.popLast() }
            else if input == "." || input == ".." { input = "" }
            else {
                let start = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
                let end = input[start...].firstIndex(of: "/") ?? input.endIndex
                output.append(input[..<end])
                input = input[end...]
            }
        }
        let result = output.joined()
        return result.isEmpty ? "/" : result
    }
}
