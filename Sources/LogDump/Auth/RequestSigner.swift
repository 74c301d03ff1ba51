#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// AK/SK request signing as Huawei Cloud's SDKs do it, SDK-HMAC-SHA256: a canonical
/// request (method, canonical path and query, the signed headers, the body's SHA-256)
/// is hashed into a string to sign with the `X-Sdk-Date`, which is signed with
/// HMAC-SHA256 under the secret key. The API gateway does the same over what it
/// receives, so everything here follows what curl really sends. Pure: no clock, no I/O.
/// (The SDK signs "UNSIGNED-PAYLOAD" for a signed Content-Type other than JSON; logdumpfs
/// signs no Content-Type, so that case is not here.)
public struct RequestSigner: Sendable {
    public static let algorithm = "SDK-HMAC-SHA256"
    /// SHA-256 of nothing: the payload hash of a request without a body.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let accessKey: String
    private let secretKey: String

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// One request's signature and the headers that carry it.
    public struct Signature: Sendable, Equatable {
        /// `X-Sdk-Date`: `YYYYMMDDTHHMMSSZ`, UTC.
        public var sdkDate: String
        /// The canonical request the signature covers (no secret in it).
        public var canonicalRequest: String
        /// The lowercased names of the signed headers, sorted, joined by ";".
        public var signedHeaders: String
        /// `SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=hex`.
        public var authorization: String
        /// Header lines to send: `X-Sdk-Date`, the headers given, `Authorization`. Host is
        /// signed but not among them: curl sends it from the URL.
        public var headers: [String]
    }

    /// Signs `method` on `url` (as handed to curl) with `body`, at `date`, over Host (what
    /// curl sends for `url`), X-Sdk-Date and `headers` (other names, each once; one with
    /// "_" in its name is sent unsigned, as the SDK does).
    public func sign(method: String, url: String, headers: [(name: String, value: String)] = [],
                     body: [UInt8] = [], date: Date) -> Signature {
        let sdkDate = Self.sdkDate(date)
        let target = SigningURL(url)
        let signed = ([(name: "host", value: target.host), (name: "x-sdk-date", value: sdkDate)]
            + headers.filter { !$0.name.contains("_") }.map { ($0.name.lowercased(), $0.value) })
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let signedHeaders = signed.map(\.name).joined(separator: ";")
        let canonical = Self.canonicalRequest(method: method, url: target, headers: signed,
                                              signedHeaders: signedHeaders, body: body)
        let stringToSign = "\(Self.algorithm)\n\(sdkDate)\n\(Self.hex(SHA256.hash(data: Array(canonical.utf8))))"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8),
                                                  using: SymmetricKey(data: Array(secretKey.utf8)))
        let authorization = "\(Self.algorithm) Access=\(accessKey), SignedHeaders=\(signedHeaders), Signature=\(Self.hex(mac))"
        let lines = ["X-Sdk-Date: \(sdkDate)"] + headers.map { "\($0.name): \($0.value)" } + ["Authorization: \(authorization)"]
        return Signature(sdkDate: sdkDate, canonicalRequest: canonical, signedHeaders: signedHeaders,
                         authorization: authorization, headers: lines)
    }

    /// Method, canonical path, canonical query, `name:value` lines (values trimmed of
    /// whitespace) and a blank line, the signed header names, the body's SHA-256 in hex.
    static func canonicalRequest(method: String, url: SigningURL, headers: [(name: String, value: String)],
                                 signedHeaders: String, body: [UInt8]) -> String {
        let headerLines = headers.map { "\($0.name):\($0.value.trimmingWhitespace())\n" }.joined()
        let payloadHash = body.isEmpty ? emptyPayloadHash : hex(SHA256.hash(data: body))
        return [method.uppercased(), url.canonicalPath, url.canonicalQuery, headerLines, signedHeaders, payloadHash]
            .joined(separator: "\n")
    }

    /// `date` in UTC as `YYYYMMDDTHHMMSSZ`, to the second.
    public static func sdkDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
            + "T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }

    private static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".unicodeScalars)
        var out = String.UnicodeScalarView()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(out)
    }
}
