import Foundation
import NIOHTTP1

/// Huawei IAM's `POST /v3/auth/tokens`, password method: issues tokens the content route
/// accepts until they expire, so clients can be tested renewing them mid-read.
struct IAMEndpoint: Sendable {
    static let path = "/v3/auth/tokens"
    let state: EmulatorState

    func answer(_ request: EmulatorRequest) -> ContentResponse {
        state.iamRequests.add(1, ordering: .relaxed)
        guard request.head.method == .POST else { return .allowing("POST", service: "IAM") }
        let user: PasswordUser
        do {
            user = try JSONDecoder().decode(TokenRequest.self, from: Data(request.body.readableBytesView)).user
        } catch {
            return .error(.badRequest, code: "IAM.0011",
                          message: "The request body is invalid: \(DecodingProblem.describe(error))")
        }
        guard let expected = state.iamUser, user.name == expected.name, user.domain.name == expected.domain,
              user.password == expected.password
        else { return .error(.unauthorized, code: "IAM.0001", message: "The username or password is wrong.") }

        let now = WallClock.now()
        let expiry = now.adding(seconds: state.faults.withLock { $0.plan.tokenLifetimeSeconds })
        let token = state.tokens.withLock { $0.issue(expiry: expiry, at: now) }
        let body = #"{"token": {"expires_at": "\#(expiry.iamTimestamp)", "issued_at": "\#(now.iamTimestamp)", "#
            + #""methods": ["password"]}}"#
        return .json(.created, body, headers: ["X-Subject-Token": token])
    }
}

/// `{"auth": {"identity": {"methods": ["password"], "password": {"user": {...}}}, "scope": ...}}`.
private struct TokenRequest: Decodable {
    struct Auth: Decodable {
        var identity: Identity
        var scope: Scope?
    }
    struct Identity: Decodable {
        var methods: [String]
        var password: Password
    }
    struct Password: Decodable {
        var user: PasswordUser
    }
    /// Huawei scopes a token to a project by name (the region) or by id.
    struct Scope: Decodable {
        struct Project: Decodable {
            var name: String?
            var id: String?
        }
        var project: Project
    }

    var auth: Auth

    var user: PasswordUser { auth.identity.password.user }

    init(from decoder: Decoder) throws {
        auth = try decoder.container(keyedBy: CodingKeys.self).decode(Auth.self, forKey: .auth)
        guard auth.identity.methods.contains("password") else {
            throw JSONProblem(description: #"auth.identity.methods: must contain "password""#)
        }
        if let project = auth.scope?.project, project.name == nil && project.id == nil {
            throw JSONProblem(description: #"auth.scope.project: needs "name" or "id""#)
        }
    }

    private enum CodingKeys: String, CodingKey { case auth }
}

struct PasswordUser: Decodable {
    struct Domain: Decodable { var name: String }
    var name: String
    var password: String
    var domain: Domain
}
