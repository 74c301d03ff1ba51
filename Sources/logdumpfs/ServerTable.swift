import Foundation
import LogDump

/// `servers`' output: a table for people, JSON for scripts.
///
///     ID                                    NAME        MANAGE STATE  POWER  HEALTH
///     0a1b...                               node-00001  onboard       on     OK
///     2 servers
enum ServerTable {
    static func text(_ servers: [ServerInfo]) -> String {
        let header = ["ID", "NAME", "MANAGE STATE", "POWER", "HEALTH"]
        // Server text is escaped: a name must not move the terminal's cursor.
        let rows = servers.map { server in
            [server.id, server.name, server.manageState, server.powerState, server.healthState]
                .map { $0.map { $0.escapedForLog(limit: 80) } ?? "-" }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        var lines: [String] = []
        for cells in [header] + rows {
            lines.append(zip(cells, widths).dropLast().map { $0.padding($1) }.joined(separator: "  ")
                         + "  " + cells.last!)
        }
        lines.append(servers.count == 1 ? "1 server" : "\(servers.count) servers")
        return lines.joined(separator: "\n") + "\n"
    }

    /// An array of `{"id", "name", "manage_state", "power_state", "health_state"}`, one
    /// object a line, null where the server did not say.
    static func json(_ servers: [ServerInfo]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let rows = servers.map { server in
            let fields: [(String, String?)] = [("id", server.id), ("name", server.name), ("manage_state", server.manageState),
                          ("power_state", server.powerState), ("health_state", server.healthState)]
            return "  {" + fields.map { "\"\($0.0)\": \(quoted($0.1, encoder))" }.joined(separator: ", ") + "}"
        }
        return rows.isEmpty ? "[]\n" : "[\n" + rows.joined(separator: ",\n") + "\n]\n"
    }

    /// A JSON string (or null), as JSONEncoder writes it.
    private static func quoted(_ text: String?, _ encoder: JSONEncoder) -> String {
        guard let text, let data = try? encoder.encode(text) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
