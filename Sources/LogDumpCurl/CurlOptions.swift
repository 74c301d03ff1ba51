/// How CurlExportSource talks to the endpoint. TLS verification is always on.
public struct CurlOptions: Sendable {
    /// A private CA bundle (--ca-file), for endpoints signed by an in-house CA.
    public var caFile: String? = nil
    public var connectTimeout: Duration = .seconds(10)
    /// No body bytes for this long -> RemoteError.timedOut.
    public var stallTimeout: Duration = .seconds(30)
    public var userAgent: String = "logdumpfs/0.1"

    public init() {}
}

extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive limit never becomes "no limit" (0).
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, millis))
    }

    /// Whole seconds, rounded up, at least 1: CURLOPT_LOW_SPEED_TIME's unit.
    var curlSeconds: Int {
        (curlMilliseconds + 999) / 1000
    }
}
