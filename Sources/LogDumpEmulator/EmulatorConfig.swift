/// How an `Emulator` behaves. The switches model what API.md leaves undocumented
/// (Range, Content-Length, validators), so tests can hold the client to every combination.
public struct EmulatorConfig: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 binds any free port; `Emulator.start()` returns the one chosen.
    public var port: Int = 0
    /// Export archives laid out as `<root>/<project_id>/<server_id>/<export_id>.tar.gz`.
    public var root: String
    /// The static `X-Auth-Token` accepted (besides tokens the IAM endpoint issues);
    /// `Emulator.setToken` replaces it.
    public var token: String
    /// false: ignore `Range` and always answer 200 with the whole body.
    public var honoursRange: Bool = true
    /// false: chunked transfer encoding and no `Content-Length` (on 206 too).
    public var sendsContentLength: Bool = true
    /// `ETag` (from size and mtime) and `Last-Modified`.
    public var sendsValidators: Bool = true
    /// The faults in force from the start; `Emulator.setFaults` and the admin endpoint
    /// replace them.
    public var faults = FaultPlan()
    /// The one account `POST /v3/auth/tokens` issues tokens to; nil: it answers 401.
    public var iamUser: IAMUser? = nil
    /// The servers the sibling calls list and how their exports behave; `Emulator.setFleet`
    /// and the admin endpoint replace it.
    public var fleet = FleetConfig()
    /// AK/SK signatures, the emulator's clock and the metadata endpoint's temporary keys;
    /// `Emulator.setSigning` and the admin endpoint replace it.
    public var signing = SigningConfig()

    public init(root: String, token: String) {
        self.root = root
        self.token = token
    }
}

/// An IAM user of the password method: `auth.identity.password.user` in the request.
public struct IAMUser: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var domain: String
    public var password: String

    public init(name: String, domain: String, password: String) {
        self.name = name
        self.domain = domain
        self.password = password
    }

    /// Without the password: secrets stay out of logs and failure messages.
    public var description: String { "IAMUser(name: \(name), domain: \(domain))" }
}
