extension Endpoint {
    /// Accepts `http(s)://host[:port][/path]` and returns it without trailing slashes.
    ///
    /// Rejected, because each would be unsafe or ambiguous once IDs are appended to the
    /// URL: other schemes, an empty host, userinfo (credentials must never sit in a
    /// manifest, logs or argv), a query or fragment, whitespace, control or non-ASCII
    /// characters (write an IDN host in punycode), bad percent escapes, a port outside
    /// 1...65535. The scheme and host are lowercased; the path is kept as written.
    public static func parse(_ text: String) -> Endpoint? {
        let bytes = Array(text.utf8)
        // Printable ASCII only: rules out whitespace, control characters, non-ASCII.
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard !bytes.contains(UInt8(ascii: "?")), !bytes.contains(UInt8(ascii: "#")) else { return nil }

        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") { scheme = "https" } else if lower.hasPrefix("http://") { scheme = "http" } else { return nil }
        let rest = bytes[(scheme.utf8.count + 3)...]

        let authorityEnd = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let authority = rest[rest.startIndex..<authorityEnd]
        var path = Array(rest[authorityEnd...])
        guard !authority.contains(UInt8(ascii: "@")) else { return nil }
        guard let hostPort = parseAuthority(Array(authority)) else { return nil }

        while path.last == UInt8(ascii: "/") { path.removeLast() }
        guard isValidPath(path) else { return nil }
        return Endpoint(validated: "\(scheme)://\(hostPort)" + String(decoding: path, as: UTF8.self))
    }

    /// `text` as a message may quote it: with anything before an `@` in place of
    /// credentials shown as `***` (`https://***@host/`), since a URL refused for its
    /// userinfo must not print the password it holds.
    public static func redactingCredentials(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.firstRange(of: "://").map(\.upperBound) ?? text.startIndex
        guard start <= at else { return "***" + text[at...] }
        return text[..<start] + "***" + text[at...]
    }

    /// `host[:port]` with host a DNS name / IPv4 address or a bracketed IPv6 literal.
    private static func parseAuthority(_ authority: [UInt8]) -> String? {
        var host: [UInt8]
        var portText: [UInt8]? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let literal = authority[1..<close]
            let isHex = { (b: UInt8) in
                (0x30...0x39).contains(b) || (0x61...0x66).contains(b) || (0x41...0x46).contains(b)
            }
            guard !literal.isEmpty, literal.allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return nil }
            host = Array(authority[...close])
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return nil }
                portText = Array(after.dropFirst())
            }
        } else {
            if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
                host = Array(authority[..<colon])
                portText = Array(authority[(colon + 1)...])
            } else {
                host = authority
            }
            let isHostByte = { (b: UInt8) in
                (0x30...0x39).contains(b) || (0x61...0x7A).contains(b) || (0x41...0x5A).contains(b)
                    || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            }
            guard !host.isEmpty, host.allSatisfy(isHostByte),
                  host.first != UInt8(ascii: "."), host.first != UInt8(ascii: "-") else { return nil }
        }
        var result = String(decoding: host, as: UTF8.self).lowercased()
        if let portText {
            guard !portText.isEmpty, portText.count <= 5,
                  portText.allSatisfy({ (0x30...0x39).contains($0) }),
                  let port = Int(String(decoding: portText, as: UTF8.self)), (1...65_535).contains(port)
            else { return nil }
            result += ":\(port)"
        }
        return result
    }

    /// RFC 3986 path characters (unreserved, sub-delims, ':' '@' '/') and `%XX` escapes.
    private static func isValidPath(_ path: [UInt8]) -> Bool {
        let allowedMarks = Array("-._~!$&'()*+,;=:@/".utf8)
        var index = 0
        while index < path.count {
            let byte = path[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < path.count,
                      path[(index + 1)...(index + 2)].allSatisfy({ $0.isHexDigitASCII }) else { return false }
                index += 3
                continue
            }
            let isAlnum = (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte)
            guard isAlnum || allowedMarks.contains(byte) else { return false }
            index += 1
        }
        return true
    }
}

private extension UInt8 {
    var isHexDigitASCII: Bool {
        (0x30...0x39).contains(self) || (0x61...0x66).contains(self) || (0x41...0x46).contains(self)
    }
}
