#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import Synchronization

/// AK/SK as a RequestAuthorizer: every attempt is signed anew (SDK-HMAC-SHA256, with its
/// own X-Sdk-Date) over Host, X-Sdk-Date, X-Project-Id (the request's project) and, for
/// temporary keys, X-Security-Token. The secret key is never in a header; the security
/// token is, and is among the secrets taken out of any server text.
public final class AccessKeyAuthorizer: RequestAuthorizer {
    private let provider: any AccessKeyProvider
    private let now: @Sendable () -> Date
    private let skewReported = Atomic<Bool>(false)

    public init(provider: any AccessKeyProvider, now: @escaping @Sendable () -> Date = Date.init) {
        self.provider = provider
        self.now = now
    }

    /// A signature can be replayed until the gateway's clock window closes (15 minutes).
    public var carries: String { "signatures that can be replayed for minutes, and any X-Security-Token" }

    public func authorize(_ request: OutgoingRequest) throws(RemoteError) -> RequestAuthorization {
        let keys = try provider.currentKeys()
        var headers: [(name: String, value: String)] = []
        if let project = request.projectID {
            // A header value must be one line: IDs are checked where they come in, this is the last guard.
            guard project.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw .tokenUnavailable("project ID \(project.quotedForLog()) cannot be signed: it holds control characters")
            }
            headers.append(("X-Project-Id", project))
        }
        if let token = keys.securityToken { headers.append(("X-Security-Token", token)) }
        let signature = RequestSigner(accessKey: keys.accessKey, secretKey: keys.secretKey)
            .sign(method: request.method, url: request.url, headers: headers, body: request.body, date: now())
        return RequestAuthorization(headers: signature.headers, secrets: keys.securityToken.map { [$0] } ?? [],
                                    credential: Self.credential(keys))
    }

    /// True when keys other than the rejected ones are current, or the provider has newer
    /// ones. A rejection that shows the clock far from the server's is logged, once.
    public func renew(after rejected: RequestAuthorization, _ rejection: Rejection) throws(RemoteError) -> Bool {
        if let skew = ClockSkew.seconds(in: rejection, now: now()), !skewReported.exchange(true, ordering: .relaxed) {
            Log.warning(ClockSkew.warning(skew))
        }
        let current = try provider.currentKeys()
        guard Self.credential(current) == rejected.credential else { return true }
        guard let newer = try provider.renewed(after: current) else { return false }
        return Self.credential(newer) != rejected.credential
    }

    /// Names the key pair without revealing it: the access key (not a secret) and a
    /// digest of the secret key and security token, so new keys under the same AK differ.
    static func credential(_ keys: AccessKeys) -> String {
        let material = Array((keys.secretKey + "\n" + (keys.securityToken ?? "")).utf8)
        let digest = SHA256.hash(data: material).prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return keys.accessKey + "/" + digest.joined()
    }
}
