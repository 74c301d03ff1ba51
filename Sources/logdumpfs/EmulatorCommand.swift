import ArgumentParser
import Foundation
import Glibc
import LogDumpEmulator

struct EmulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Serve the CloudDC download API and its sibling calls on loopback from a directory of exports.",
        discussion: """
        Files are laid out as ROOT/<project_id>/<server_id>/<export_id>.tar.gz.
        With --samples, sample exports are written there first and a manifest is
        printed. Runs until Ctrl-C. The token it accepts is read from
        --token-file, else LOGDUMPFS_TOKEN.

        Fault injection (downloads, and the sibling calls through the api_ keys;
        never the admin or IAM routes): --faults
        takes a JSON fault plan, inline or as @FILE. Its keys, all optional:
          error_rates      {"429": 0.3, "500": 0.1}: per status, the share of
                           downloads answered with it and a JSON error
          error_burst      {"status": 500, "count": 5}: the next 5 downloads
                           get 500, then back to normal
          retry_after      "2" or an HTTP date: Retry-After of injected 429/503
          latency_ms       wait before answering each download
          bandwidth_bytes_per_second
                           cap on body bytes per second per response
          body_fault       {"kind": "stall"|"reset"|"truncate",
                            "after_bytes": N, "rate": 0.3}: after N body bytes
                           (none: a random offset) go silent, send a TCP reset
                           or close early; rate: share of bodies (default 1)
          token_lifetime_seconds
                           lifetime of IAM tokens issued from now (86400)
          seed             seed of the fault dice: same seed, same faults (1)
          api_error_rates, api_error_burst
                           as error_rates and error_burst, for the sibling
                           calls (server listing, export request and status)
        Unknown keys and out-of-range values are refused, naming them.

        While it runs (loopback only):
          GET /_emulator/stats   {"content_requests": N, "iam_requests": M,
                                  "statuses": {"200": a, ...}}
          GET /_emulator/faults  the plan in force
          PUT /_emulator/faults  replace it (absent keys take their defaults)
          PUT /_emulator/token   replace the accepted token (plain-text body);
                                 the old one gets 401 from then on
          GET /_emulator/fleet   the fleet in force
          PUT /_emulator/fleet   replace it: {"servers_per_project": 2500,
                                 "export_seconds": 3, "percentage_style":
                                 "integer"|"string", "fail_exports": false,
                                 "export_payload_bytes": 0}
          GET /_emulator/auth    the signing config in force (secret keys hidden)
          PUT /_emulator/auth    replace it (the keys of --auth)
        e.g. curl -X PUT --data '{"error_rates": {"503": 0.2}}' \\
                  ENDPOINT/_emulator/faults

        Sibling calls: every project has --servers servers (deterministic ids,
        names and states) listed by GET /v1/PROJECT/physicalservers; POST
        .../physicalservers/ID/logs/exports starts an export that completes
        after --export-seconds, when its archive is written under ROOT and
        served like the others.

        AK/SK: every API call (downloads and sibling calls) takes a token or an
        SDK-HMAC-SHA256 signature. --auth takes a JSON signing config, inline or
        as @FILE, all keys optional:
          access_keys      {"AK": "SK", ...}: permanent access keys
          require_signature
                           true: tokens are refused, calls must be signed
          clock_offset_seconds
                           added to the clock X-Sdk-Date is checked against
                           and the Date header shows (0)
          max_skew_seconds how far X-Sdk-Date may be from that clock (900)
          temporary_key_lifetime_seconds
                           lifetime of the temporary keys (with a security
                           token) each GET /openstack/latest/securitykey mints,
                           as the ECS metadata service does (900); PUT
                           /meta-data/latest/api/token gives its session token
        Refusals are 401 with APIGW.0301 (APIGW.0303 for a skewed X-Sdk-Date).

        IAM: with --iam-user, --iam-domain and --iam-password-file, Huawei IAM's
        POST /v3/auth/tokens (password method) answers 201 with a token in
        X-Subject-Token, accepted by downloads until it expires
        (--token-lifetime).
        """
    )

    @Option(help: "The directory of exports.")
    var root: String

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "A file holding the static token the emulator accepts.")
    var tokenFile: String?

    @Flag(help: "Write the sample exports into --root first.")
    var samples = false

    @Flag(help: "Ignore Range headers: always answer 200 with the whole body.")
    var noRange = false

    @Flag(help: "Send no Content-Length (chunked bodies).")
    var noContentLength = false

    @Option(help: ArgumentHelp("Faults to inject from the start: a JSON fault plan, or @FILE holding one.",
                               valueName: "json"))
    var faults: String?

    @Option(help: ArgumentHelp("AK/SK signing: a JSON signing config, or @FILE holding one.", valueName: "json"))
    var auth: String?

    @Option(help: "The user POST /v3/auth/tokens issues tokens to (with --iam-domain and --iam-password-file).")
    var iamUser: String?

    @Option(help: "The IAM user's domain (account) name.")
    var iamDomain: String?

    @Option(help: "A file holding the IAM user's password.")
    var iamPasswordFile: String?

    @Option(help: "Lifetime of the tokens the IAM endpoint issues, in seconds (default 86400).")
    var tokenLifetime: Int?

    @Option(help: "Servers in every project's listing.")
    var servers: Int = FleetConfig().serversPerProject

    @Option(help: "Seconds a requested export takes to complete.")
    var exportSeconds: Double = FleetConfig().exportSeconds

    @Flag(help: "Write export percentages as strings (\"30%\") instead of integers.")
    var percentageAsString = false

    @Flag(help: "Make every requested export fail when its time is up.")
    var failExports = false

    func validate() throws {
        let iam = [iamUser, iamDomain, iamPasswordFile].filter { $0 != nil }.count
        guard iam == 0 || iam == 3 else {
            throw ValidationError("--iam-user, --iam-domain and --iam-password-file go together: give all three or none")
        }
        guard (0...FleetConfig.maxServersPerProject).contains(servers) else {
            throw ValidationError("--servers \(servers): must be within 0...\(FleetConfig.maxServersPerProject)")
        }
        guard exportSeconds.isFinite, exportSeconds >= 0 else {
            throw ValidationError("--export-seconds \(exportSeconds): must be 0 or more")
        }
        if let tokenLifetime, tokenLifetime < 1 {
            throw ValidationError("--token-lifetime \(tokenLifetime): must be 1 second or more")
        }
    }

    func run() throws {
        let signals = SignalWatcher.blockTerminationSignals()
        let token = try Preflight.token(file: tokenFile)
        var config = EmulatorConfig(root: root, token: token)
        config.port = port
        config.honoursRange = !noRange
        config.sendsContentLength = !noContentLength
        config.faults = try faultPlan()
        if let tokenLifetime { config.faults.tokenLifetimeSeconds = tokenLifetime }
        config.fleet = fleet
        config.signing = try signing()
        if let iamUser, let iamDomain, let iamPasswordFile {
            let password = try Preflight.secretLine(file: iamPasswordFile, option: "--iam-password-file", what: "password")
            config.iamUser = IAMUser(name: iamUser, domain: iamDomain, password: password)
        }
        var exports: [SampleExport] = []
        if samples { exports = try SampleExports.write(SampleExports.demo, into: root) }
        let emulator = Emulator(config)
        _ = try emulator.start()
        print("emulator serving \(root) at \(emulator.endpoint)")
        if samples { print(SampleExports.manifestJSON(exports, endpoint: emulator.endpoint)) }
        fflush(nil) // all streams: stdout is not concurrency-safe to name
        let stopped = DispatchSemaphore(value: 0)
        signals.start { _ in stopped.signal() }
        stopped.wait()
        emulator.stop()
    }

    /// The fleet flags.
    private var fleet: FleetConfig {
        var fleet = FleetConfig()
        fleet.serversPerProject = servers
        fleet.exportSeconds = exportSeconds
        fleet.percentageStyle = percentageAsString ? .string : .integer
        fleet.failExports = failExports
        return fleet
    }

    /// `--faults`, inline or `@FILE`; no flag: no faults.
    private func faultPlan() throws -> FaultPlan {
        guard let faults else { return FaultPlan() }
        let json = try Self.inlineOrFile(faults, option: "--faults")
        do throws(InvalidFaultPlan) {
            return try FaultPlan(json: json)
        } catch {
            throw Preflight.Failure("--faults: \(error)")
        }
    }

    /// `--auth`, inline or `@FILE`; no flag: tokens only, no access keys.
    private func signing() throws -> SigningConfig {
        guard let auth else { return SigningConfig() }
        let json = try Self.inlineOrFile(auth, option: "--auth")
        do throws(InvalidSigningConfig) {
            return try SigningConfig(json: json)
        } catch {
            throw Preflight.Failure("--auth: \(error)")
        }
    }

    /// A JSON option's value: the text itself, or with `@FILE` the file's bytes.
    private static func inlineOrFile(_ value: String, option: String) throws -> Data {
        guard value.hasPrefix("@") else { return Data(value.utf8) }
        do { return try Data(contentsOf: URL(fileURLWithPath: String(value.dropFirst()))) } catch {
            throw Preflight.Failure("\(option) \(value.escapedForLog()): cannot read it: \((error as NSError).localizedDescription)")
        }
    }
}
