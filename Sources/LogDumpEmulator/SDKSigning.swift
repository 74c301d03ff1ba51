import Crypto

/// SDK-HMAC-SHA256, the AK/SK request signature of Huawei Cloud's SDKs and API gateway, as
/// the emulator rebuilds it from a request as received. The emulator's own implementation,
/// kept apart from logdumpfs's signer so that each checks the other; the SDK's own
/// signatures (Tests/Fixtures/signing/emulator-requests.json) check both.
///
/// The canonical request is six lines: the method; the path, each segment percent-decoded
/// then encoded again (all but `A-Z a-z 0-9 - _ . ~`), ending in `/`; the query pairs
/// decoded, sorted and encoded the same way, joined by `&`; one `name:value` line per signed
/// header (name lower-cased, value trimmed) and an empty line; the signed header names
/// joined by `;`; the hex SHA-256 of the body (`X-Sdk-Content-Sha256` stands for a
/// non-empty body when sent). The string to sign is the algorithm, the `X-Sdk-Date` and the
/// hex SHA-256 of the canonical request, one per line; the signature is the hex
/// HMAC-SHA256 of it keyed with the SK.
public enum SDKSigning {
    public static let algorithm = "SDK-HMAC-SHA256"

    /// The `Authorization` value for a request with exactly these headers (which must
    /// include `Host` and `X-Sdk-Date`), every one of them signed, as the SDK signs: for
    /// tests that need a signature with keys the emulator minted.
    public static func authorization(method: String, uri: String, headers: [(String, String)], body: [UInt8],
                                     accessKey: String, secretKey: String) -> String {
        let names = headers.map { $0.0.lowercased() }.sorted()
        let lookup = { (name: String) in headers.first { $0.0.lowercased() == name }?.1 }
        let canonical = canonicalRequest(method: method, uri: uri, signedHeaders: names, header: lookup, body: body)
        let date = lookup("x-sdk-date") ?? ""
        let signature = signature(secretKey: secretKey, stringToSign: stringToSign(canonical, date: date))
        return "\(algorithm) Access=\(accessKey), SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"
    }

    /// `header` gives a header's value by its lower-case name (several values joined by `,`).
    static func canonicalRequest(method: String, uri: String, signedHeaders: [String],
                                 header: (String) -> String?, body: [UInt8]) -> String {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let headerLines = signedHeaders.map { "\($0):\(trimmed(header($0) ?? ""))\n" }.joined()
        return [method.uppercased(), canonicalPath(parts[0]), canonicalQuery(parts.count > 1 ? parts[1] : ""),
                headerLines, signedHeaders.joined(separator: ";"), payloadHash(body, header: header)]
            .joined(separator: "\n")
    }

    static func stringToSign(_ canonicalRequest: String, date: String) -> String {
        "\(algorithm)\n\(date)\n\(hex(SHA256.hash(data: Array(canonicalRequest.utf8))))"
    }

    static func signature(secretKey: String, stringToSign: String) -> String {
        let key = SymmetricKey(data: Array(secretKey.utf8))
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// Equal texts, in a time that depends on their lengths only, not on where they differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    static func canonicalPath(_ path: Substring) -> String {
        let segments = percentDecoded(path).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let joined = segments.map { percentEncoded($0) }.joined(separator: "/")
        return joined.hasSuffix("/") ? joined : joined + "/"
    }

    static func canonicalQuery(_ query: Substring) -> String {
        let pairs = query.split(separator: "&").map { item -> ([UInt8], [UInt8]) in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecoded(kv[0]), kv.count > 1 ? percentDecoded(kv[1]) : [])
        }
        return pairs.sorted { a, b in
            a.0 != b.0 ? a.0.lexicographicallyPrecedes(b.0) : a.1.lexicographicallyPrecedes(b.1)
        }
        .map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }
        .joined(separator: "&")
    }

    private static func payloadHash(_ body: [UInt8], header: (String) -> String?) -> String {
        if !body.isEmpty, let declared = header("x-sdk-content-sha256") { return declared }
        return hex(SHA256.hash(data: body))
    }

    /// `%XX` sequences become their bytes; a `%` not followed by two hex digits stays as it is.
    private static func percentDecoded(_ text: Substring) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let high = ContentRoute.hexValue(bytes[i + 1]), let low = ContentRoute.hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    private static func percentEncoded(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in bytes {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), digits[Int(b >> 4)], digits[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Python's `str.strip()` for header values: white space at both ends.
    private static func trimmed(_ value: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        return String(value.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
