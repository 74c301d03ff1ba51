/// Where one export's bytes live: an endpoint and the export's IDs.
public struct ExportLocation: Hashable, Sendable, CustomStringConvertible {
    public let endpoint: Endpoint
    public let key: ExportKey

    public init(endpoint: Endpoint, key: ExportKey) {
        self.endpoint = endpoint
        self.key = key
    }

    /// `GET {endpoint}/v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content`,
    /// each ID percent-encoded as one path segment.
    public var contentURL: String {
        let p = Self.encodeSegment(key.projectID)
        let s = Self.encodeSegment(key.serverID)
        let e = Self.encodeSegment(key.exportID)
        return "\(endpoint.url)/v1/\(p)/physicalservers/\(s)/logs/exports/\(e)/content"
    }

    public var description: String { "\(key) at \(endpoint)" }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    public static func encodeSegment(_ segment: String) -> String {
        var out = ""
        out.reserveCapacity(segment.utf8.count)
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}
