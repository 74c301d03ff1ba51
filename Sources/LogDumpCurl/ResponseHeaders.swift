/// `Content-Range: bytes a-b/total` (total may be `*`), as RFC 9110 writes it for a 206.
struct ContentRange: Equatable, Sendable {
    var first: UInt64
    var last: UInt64
    var total: UInt64?

    /// nil for anything else, including the `bytes */total` a 416 carries.
    init?(parsing value: Substring) {
        let value = value.trimmingSpaces
        guard value.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = value.dropFirst("bytes ".count).trimmingSpaces
        guard let slash = spec.firstIndex(of: "/"), let dash = spec[..<slash].firstIndex(of: "-"),
              let first = UInt64(spec[..<dash]),
              let last = UInt64(spec[spec.index(after: dash)..<slash]), first <= last
        else { return nil }
        let totalText = spec[spec.index(after: slash)...]
        if totalText == "*" {
            total = nil
        } else {
            guard let total = UInt64(totalText), last < total else { return nil }
            self.total = total
        }
        self.first = first
        self.last = last
    }

    var length: UInt64 { last - first + 1 }
}

/// The headers of the final response, fed line by line from CURLOPT_HEADERFUNCTION.
/// Each status line starts afresh, so a 100 Continue (or a proxy's CONNECT answer)
/// never leaks its headers into the real one.
struct ResponseHeaders: Sendable {
    var status: Int?
    var contentLength: UInt64?
    /// Raw, so that a 206 with an unparseable Content-Range can be told from one without.
    var contentRangeValue: Substring?
    var etag: String?
    var lastModified: String?
    /// Raw: how long to wait is worked out against the clock when the error is made.
    var retryAfter: String?
    var contentType: String?
    /// Anything but identity means the body is not the archive's bytes.
    var contentEncoding: String?
    /// The server's clock, raw: a 401 far from ours points at clock skew.
    var date: String?
    /// The file name `Content-Disposition` gives, if it is one that is safe to show.
    var fileName: String?

    var contentRange: ContentRange? { contentRangeValue.flatMap(ContentRange.init(parsing:)) }

    /// The coding of the body, if not identity: `gzip`, `br`, `gzip, identity`.
    var encoding: String? {
        guard let value = contentEncoding else { return nil }
        let codings = value.split(separator: ",").map { $0.trimmingSpaces.lowercased() }
        return codings.allSatisfy({ $0 == "identity" }) ? nil : value
    }

    /// Takes one header line, CRLF included or not.
    mutating func take(line raw: Substring) {
        let line = raw.trimmingSpaces
        if line.hasPrefix("HTTP/") {
            self = ResponseHeaders()
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2 { status = Int(parts[1]) }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingSpaces
        switch name {
        case "content-length": contentLength = UInt64(value)
        case "content-range": contentRangeValue = value
        case "etag": etag = value.isEmpty ? nil : String(value)
        case "last-modified": lastModified = value.isEmpty ? nil : String(value)
        case "retry-after": retryAfter = value.isEmpty ? nil : String(value)
        case "content-type": contentType = value.isEmpty ? nil : String(value)
        case "content-encoding": contentEncoding = value.isEmpty ? nil : String(value)
        case "date": date = value.isEmpty ? nil : String(value)
        case "content-disposition": fileName = ContentDisposition.fileName(value)
        default: break
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
