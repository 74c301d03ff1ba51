/// The one route the emulator serves:
/// `/v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content`.
struct ContentRoute: Equatable, Sendable {
    var projectID: String
    var serverID: String
    var exportID: String

    /// nil for any other path, and for segments that decode to something unsafe as a file
    /// name (`/`, `..`, `.`, NUL, empty, bad percent-encoding): those answer 404.
    init?(uri: String) {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 9, parts[0].isEmpty, parts[1] == "v1", parts[3] == "physicalservers",
              parts[5] == "logs", parts[6] == "exports", parts[8] == "content",
              let project = Self.decode(parts[2]), let server = Self.decode(parts[4]),
              let export = Self.decode(parts[7])
        else { return nil }
        (projectID, serverID, exportID) = (project, server, export)
    }

    /// Where the archive lives under the emulator's root.
    func filePath(root: String) -> String {
        "\(root)/\(projectID)/\(serverID)/\(exportID).tar.gz"
    }

    static func decode(_ segment: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var it = segment.utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%") {
                guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            } else {
                bytes.append(b)
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self), !s.isEmpty, s != ".", s != "..",
              !s.contains("/"), !s.contains(".."), !s.utf8.contains(0)
        else { return nil }
        return s
    }

    /// A hex digit's value, either case.
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
