/// The link names of `/<project>/by-name/`: one per server the manifest names, each
/// pointing at `../<server_id>`.
///
/// A name becomes one path segment: `/`, NUL and control characters become `_`, `.`
/// and `..` become `_` and `__`, and it is cut to `maximumBytes` at a character
/// boundary. Servers whose segments are equal (byte for byte) all get
/// `<segment>~<first 8 of the server id>`; if that is still taken, `<segment>~<server id>`;
/// a server whose name still clashes (only by crafted IDs) gets no link. The result
/// does not depend on the manifest's order.
enum ServerNames {
    /// The directory of links in every project that names a server. A server whose ID
    /// is this keeps its directory, and its project then has no links.
    static let directoryName = "by-name"
    /// Leaves room for `~` and a server ID below NAME_MAX (255 bytes).
    static let maximumBytes = 120

    /// `name` as one path segment, or nil when nothing is left of it (an empty name).
    static func segment(for name: String) -> String? {
        var scalars = String.UnicodeScalarView()
        var bytes = 0
        for scalar in name.unicodeScalars {
            let safe: Unicode.Scalar = scalar == "/" || scalar.properties.generalCategory == .control ? "_" : scalar
            let length = String(safe).utf8.count
            guard bytes + length <= maximumBytes else { break }
            scalars.append(safe)
            bytes += length
        }
        let segment = String(scalars)
        switch segment {
        case "": return nil
        case ".": return "_"
        case "..": return "__"
        default: return segment
        }
    }

    /// Link name for each server ID of one project, from each server's name.
    static func links(for names: [(serverID: String, name: String)]) -> [(link: String, serverID: String)] {
        var groups: [ExactText: [String]] = [:]
        for (serverID, name) in names {
            guard let segment = segment(for: name) else { continue }
            groups[ExactText(segment), default: []].append(serverID)
        }
        var taken = Set(groups.filter { $0.value.count == 1 }.keys)
        var links = groups.compactMap { key, servers in
            servers.count == 1 ? (link: key.text, serverID: servers[0]) : nil
        }
        let clashing = groups.filter { $0.value.count > 1 }
            .flatMap { key, servers in servers.map { (segment: key.text, serverID: $0) } }
            .sorted { byteOrderPrecedes($0.serverID, $1.serverID) }
        for (segment, serverID) in clashing {
            for candidate in ["\(segment)~\(serverID.prefix(8))", "\(segment)~\(serverID)"] {
                guard taken.insert(ExactText(candidate)).inserted else { continue }
                links.append((link: candidate, serverID: serverID))
                break
            }
        }
        return links
    }
}

/// A string hashed and compared byte for byte.
private struct ExactText: Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (a: ExactText, b: ExactText) -> Bool { bytesEqual(a.text, b.text) }
    func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
