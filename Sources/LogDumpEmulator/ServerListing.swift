/// `GET /v1/{project_id}/physicalservers?marker=&limit=&manage_state=`: one page of the
/// project's fleet, ordered by id.
enum ServerListing {
    /// Servers per page when the query has no `limit`: the SDK's documented default.
    static let defaultLimit = 10
    static let limits = 10...1000

    /// The page `query` asks for, or a 400 naming the parameter that is wrong.
    static func answer(query: Substring?, project: String, fleet: FleetConfig) -> ContentResponse {
        let parameters = Self.parameters(query)
        var limit = defaultLimit
        if let text = parameters["limit"] {
            guard let value = Int(text) else {
                return badRequest("limit: \(jsonQuoted(text)) is not a whole number")
            }
            limit = min(max(value, limits.lowerBound), limits.upperBound)
        }
        let state = parameters["manage_state"].flatMap { $0.isEmpty ? nil : $0 }
        if let state, !FleetServers.manageStates.contains(state) {
            return badRequest("manage_state: \(jsonQuoted(state)) is not one of "
                              + FleetServers.manageStates.joined(separator: ", "))
        }
        let marker = parameters["marker"].flatMap { $0.isEmpty ? nil : $0 }

        let matching = FleetServers.servers(of: project, count: fleet.serversPerProject)
            .filter { state == nil || $0.manageState == state }
        let after = marker.map { marker in matching.drop(while: { $0.id <= marker }) } ?? matching[...]
        let page = after.prefix(limit)
        let next = after.count > limit ? page.last.map { #""next_marker": \#(jsonQuoted($0.id)), "# } ?? "" : ""
        let servers = page.map { $0.json(project: project) }.joined(separator: ",\n ")
        return .json(.ok, #"{"servers": [\#(servers)],"# + "\n"
                     + #" "page_info": {\#(next)"current_count": \#(page.count)}, "count": \#(matching.count)}"#)
    }

    /// The query's parameters, percent-decoded; the last of a repeated name wins.
    static func parameters(_ query: Substring?) -> [String: String] {
        var found: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]) else { continue }
            found[name] = parts.count > 1 ? percentDecoded(parts[1]) ?? String(parts[1]) : ""
        }
        return found
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var it = text.utf8.makeIterator()
        while let b = it.next() {
            guard b == UInt8(ascii: "%") else {
                bytes.append(b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                continue
            }
            guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
            bytes.append(h << 4 | l)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? { UInt8(String(UnicodeScalar(c)), radix: 16) }

    private static func badRequest(_ message: String) -> ContentResponse {
        .error(.badRequest, code: "CDC.0400", message: message)
    }
}
