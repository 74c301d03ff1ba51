/// The sibling calls' paths (API.md, "Sibling calls"), beside the content route:
/// `/v1/{project_id}/physicalservers`, `.../{id}/logs/exports` and `.../exports/{export_id}`.
enum SiblingRoute: Equatable, Sendable {
    case listServers(project: String)
    case requestExport(project: String, server: String)
    case exportStatus(project: String, server: String, export: String)

    /// nil for any other path, and for segments unsafe as file names (as the content route).
    init?(uri: String) {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].isEmpty, parts[1] == "v1", parts[3] == "physicalservers",
              let project = ContentRoute.decode(parts[2])
        else { return nil }
        if parts.count == 4 {
            self = .listServers(project: project)
            return
        }
        guard parts.count == 7 || parts.count == 8, parts[5] == "logs", parts[6] == "exports",
              let server = ContentRoute.decode(parts[4])
        else { return nil }
        if parts.count == 7 {
            self = .requestExport(project: project, server: server)
        } else if let export = ContentRoute.decode(parts[7]) {
            self = .exportStatus(project: project, server: server, export: export)
        } else {
            return nil
        }
    }

    /// The one method each path answers.
    var method: String {
        if case .requestExport = self { return "POST" }
        return "GET"
    }
}
