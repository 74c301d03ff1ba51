#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An AK/SK pair, permanent or temporary (then with its security token and expiry): what
/// Huawei Cloud's SDKs sign requests with. Its description names the access key only;
/// the secret key never leaves the process except as signatures.
public struct AccessKeys: Sendable, Equatable, CustomStringConvertible {
    public var accessKey: String
    public var secretKey: String
    /// A temporary credential's token: sent as `X-Security-Token`, never shown.
    public var securityToken: String?
    /// When temporary keys stop working; nil for permanent ones.
    public var expiresAt: Date?

    public init(accessKey: String, secretKey: String, securityToken: String? = nil, expiresAt: Date? = nil) {
        (self.accessKey, self.secretKey, self.securityToken, self.expiresAt) = (accessKey, secretKey, securityToken, expiresAt)
    }

    public var description: String {
        (securityToken == nil ? "access key " : "temporary access key ") + accessKey.quotedForLog()
    }
}

/// Where AK/SK come from: flags, the environment, the SDK's credentials file, or the
/// instance metadata service, each behind this one face so signing does not care.
public protocol AccessKeyProvider: Sendable {
    /// Where the keys come from, for logs and --verbose ("HUAWEICLOUD_SDK_AK and
    /// HUAWEICLOUD_SDK_SK", "profile basic of ~/.huaweicloud/credentials"): never a secret.
    var origin: String { get }

    /// The keys to sign with now; temporary keys are renewed ahead of their expiry.
    /// Blocks while fetching: call it from a plain thread, never a Task.
    func currentKeys() throws(RemoteError) -> AccessKeys

    /// After the server answered 401 to a request signed with `rejected`: newer keys
    /// (concurrent callers share one renewal), or nil when there are none.
    func renewed(after rejected: AccessKeys) throws(RemoteError) -> AccessKeys?
}
