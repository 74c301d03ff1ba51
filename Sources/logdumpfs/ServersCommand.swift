import ArgumentParser
import Foundation
import LogDump
import LogDumpCurl

struct ServersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "servers",
        abstract: "List a project's physical servers, over all pages.",
        discussion: """
        Asks CloudDC (GET /v1/PROJECT_ID/physicalservers, 1000 servers a page)
        for every server of the project, and prints a table of their id, name,
        manage state, power state and health, or with --json an array of
        objects {"id", "name", "manage_state", "power_state", "health_state"}
        for scripts. Throttling and server errors are retried for up to a
        minute, as reads are.

        \(tokenFlagsHelp)
        """
    )

    @Argument(help: "The project whose servers to list.")
    var projectID: String

    @Option(help: ArgumentHelp("The CloudDC endpoint, e.g. https://clouddc.example.com.", valueName: "url"))
    var endpoint: String

    @Option(help: ArgumentHelp("Only servers in this manage state (onboard, os-ready, ready, in-use, maintain, offboarding).",
                               valueName: "state"))
    var manageState: String?

    @Flag(help: "Print a JSON array instead of a table.")
    var json = false

    @OptionGroup(title: "Credentials and TLS")
    var server: ServerFlags

    /// Servers asked for per page: the most the API gives.
    static let pageSize = 1000

    func validate() throws {
        if let problem = ExportKey.problem(with: projectID) {
            throw ValidationError("project ID \(projectID.quotedForLog()): \(problem)")
        }
    }

    func run() throws {
        guard let parsed = Endpoint.parse(endpoint) else {
            throw Preflight.Failure("--endpoint \(Endpoint.redactingCredentials(endpoint).quotedForLog()): "
                                    + "not an http:// or https:// URL without credentials, query or fragment")
        }
        var curl = CurlOptions()
        curl.caFile = server.caFile
        let credentials = try server.credentialChoice()
        Preflight.warnAboutProject(of: credentials, using: [projectID])
        let authorizer = try Preflight.authorizer(credentials, curl: curl)
        if let warning = EndpointCheck.cleartextWarning([parsed], sending: authorizer.carries) { Log.warning(warning) }
        let api = CurlCloudDC(endpoint: parsed, authorizer: authorizer, options: curl)
        let servers: [ServerInfo]
        do throws(RemoteError) {
            servers = try Self.allServers(of: projectID, manageState: manageState, from: api)
        } catch {
            throw Preflight.Failure("cannot list the servers of project \(projectID.quotedForLog()) at \(parsed): \(error)")
        }
        print(json ? ServerTable.json(servers) : ServerTable.text(servers), terminator: "")
    }

    /// Every page, following `next_marker` until there is none.
    static func allServers(of project: String, manageState: String?,
                           from api: any CloudDCAPI) throws(RemoteError) -> [ServerInfo] {
        var servers: [ServerInfo] = []
        var marker: String?
        var seen: Set<String> = []
        repeat {
            let page = try api.listServers(project: project, marker: marker, limit: pageSize, manageState: manageState)
            servers += page.servers
            marker = page.nextMarker
            if let next = marker, page.servers.isEmpty || !seen.insert(next).inserted {
                throw .badResponse("the listing does not advance (next_marker \(next.quotedForLog()) "
                                   + (page.servers.isEmpty ? "after an empty page)" : "again)"))
            }
        } while marker != nil
        return servers
    }
}
