import Foundation
import NIOHTTP1

/// The admin endpoint under `/_emulator/` (loopback only, like the whole emulator): counters
/// for tests and benchmarks, and the faults, token, fleet and signing config changed while
/// clients are running.
struct AdminRoutes: Sendable {
    static let prefix = "/_emulator/"
    let state: EmulatorState

    func answer(_ request: EmulatorRequest) -> ContentResponse {
        switch (request.path.dropFirst(Self.prefix.count), request.head.method) {
        case ("stats", .GET): .json(.ok, stats)
        case ("faults", .GET): .json(.ok, state.faults.withLock { $0.plan }.json)
        case ("faults", .PUT): replaceFaults(request)
        case ("token", .PUT): replaceToken(request)
        case ("fleet", .GET): .json(.ok, state.fleet.withLock { $0 }.json)
        case ("fleet", .PUT): replaceFleet(request)
        case ("auth", .GET): .json(.ok, state.accessKeys.withLock { $0.config }.json)
        case ("auth", .PUT): replaceSigning(request)
        case ("stats", _): .allowing("GET", service: "EMU")
        case ("faults", _): .allowing("GET, PUT", service: "EMU")
        case ("token", _): .allowing("PUT", service: "EMU")
        case ("fleet", _): .allowing("GET, PUT", service: "EMU")
        case ("auth", _): .allowing("GET, PUT", service: "EMU")
        default: .error(.notFound, code: "EMU.0404", message: "no such admin route")
        }
    }

    /// `{"content_requests": N, "api_requests": A, "iam_requests": M, "metadata_requests": K,
    /// "statuses": {"200": a, ...}}`.
    private var stats: String {
        let statuses = state.statuses.withLock { $0 }.sorted { $0.key < $1.key }
            .map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        return #"{"content_requests": \#(state.contentRequests.load(ordering: .relaxed)), "#
            + #""api_requests": \#(state.apiRequests.load(ordering: .relaxed)), "#
            + #""iam_requests": \#(state.iamRequests.load(ordering: .relaxed)), "#
            + #""metadata_requests": \#(state.metadataRequests.load(ordering: .relaxed)), "statuses": {\#(statuses)}}"#
    }

    /// The body is a whole plan: absent keys take their defaults. A refused plan leaves
    /// the one in force untouched.
    private func replaceFaults(_ request: EmulatorRequest) -> ContentResponse {
        do throws(InvalidFaultPlan) {
            let plan = try FaultPlan(json: Data(request.body.readableBytesView))
            state.setFaults(plan)
            return .json(.ok, plan.json)
        } catch {
            return Self.badRequest(error.description)
        }
    }

    /// The body is a whole fleet: absent keys take their defaults. A refused one leaves
    /// the fleet in force untouched.
    private func replaceFleet(_ request: EmulatorRequest) -> ContentResponse {
        do throws(InvalidFleetConfig) {
            let fleet = try FleetConfig(json: Data(request.body.readableBytesView))
            state.fleet.withLock { $0 = fleet }
            return .json(.ok, fleet.json)
        } catch {
            return Self.badRequest(error.description)
        }
    }

    /// The body is a whole signing config: absent keys take their defaults. A refused one
    /// leaves the config in force untouched; temporary keys already minted stay valid.
    private func replaceSigning(_ request: EmulatorRequest) -> ContentResponse {
        do throws(InvalidSigningConfig) {
            let config = try SigningConfig(json: Data(request.body.readableBytesView))
            state.setSigning(config)
            return .json(.ok, config.json)
        } catch {
            return Self.badRequest(error.description)
        }
    }

    /// The body is the new token as plain text; surrounding white space (a file's final
    /// newline) is not part of it.
    private func replaceToken(_ request: EmulatorRequest) -> ContentResponse {
        let token = request.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return Self.badRequest("token: must be one or more visible ASCII characters")
        }
        state.setToken(token)
        return .empty(.noContent, headers: [:])
    }

    private static func badRequest(_ message: String) -> ContentResponse {
        .error(.badRequest, code: "EMU.0400", message: message)
    }
}
