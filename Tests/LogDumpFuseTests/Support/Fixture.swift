import Foundation
import Glibc
import LogDumpEmulator

/// One export the tests serve: where its archive lies in the shared fixture, and what
/// the mount must show for it.
struct FixtureExport: Sendable {
    let projectID: String
    let serverID: String
    let exportID: String
    let createdAt: String
    /// `createdAt` in seconds since the epoch, worked out independently (date -d).
    let createdAtEpoch: Int
    let size: Int
    let sha256: String
    /// The archive in the shared fixture directory.
    let fixturePath: String

    /// `<project>/<server>/exports/<export>.tar.gz`, relative to the mountpoint.
    var mountRelativePath: String { "\(projectID)/\(serverID)/exports/\(exportID).tar.gz" }
    /// `<project>/<server>/<export>.tar.gz`, relative to the emulator's root.
    var emulatorRelativePath: String { "\(projectID)/\(serverID)/\(exportID).tar.gz" }

    /// The archive's bytes (read from local disk, never through the mount).
    func bytes() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: fixturePath)) }
}

/// The sample archives, made once per test process (the 5 MiB one takes a moment) in a
/// temp dir removed at exit; each test links them into a fresh directory of its own.
enum Fixture {
    static let projectA = "0b6d1e1d3f8a4c2e9a7b5c3d1e2f4a6b"
    static let projectB = "5f2c8e7a1b3d4f6e8a0c2e4f6a8b0c2d"
    static let server1 = "c3a1e9f2-5b7d-4e8a-9f10-2b3c4d5e6f70"
    static let server2 = "7e4f2a91-0c6b-4d3e-8a25-9b1f0e7d6c54"
    static let server3 = "1d9b7c5e-3a2f-4b8c-9e6d-5f4a3b2c1d0e"

    /// (spec, created_at as epoch seconds from `date -d`).
    static let specs: [(SampleExportSpec, Int)] = [
        (.init(projectID: projectA, serverID: server1, exportID: "20261101080000-4f1a",
               createdAt: "2026-11-01T08:00:00Z"), 1_793_520_000),
        (.init(projectID: projectA, serverID: server1, exportID: "20261103141500-9c2e",
               payloadBytes: 96 << 10, createdAt: "2026-11-03T14:15:00Z"), 1_793_715_300),
        (.init(projectID: projectA, serverID: server2, exportID: "20261102093000-17b8",
               createdAt: "2026-11-02T17:30:00+08:00"), 1_793_611_800),
        (.init(projectID: projectB, serverID: server3, exportID: "20261104220500-e03d",
               payloadBytes: 5 << 20, createdAt: "2026-11-04T22:05:00Z"), 1_793_829_900),
    ]

    /// The export whose reads cross many 1 MiB blocks.
    static var big: FixtureExport { get throws { try exports().first { $0.size > 4 << 20 }! } }

    static func exports() throws -> [FixtureExport] { try shared.get() }

    private static let shared: Result<[FixtureExport], HarnessError> = {
        let directory = makeTempDirectory(prefix: "logdumpfs-fixture")
        fixtureDirectory = directory
        atexit { Fixture.removeFixture() }
        do {
            let written = try SampleExports.write(specs.map(\.0), into: directory)
            return .success(try zip(written, specs).map { written, spec in
                guard let sha = written.sha256 else { throw HarnessError("sha256sum is missing") }
                return FixtureExport(projectID: spec.0.projectID, serverID: spec.0.serverID,
                                     exportID: spec.0.exportID, createdAt: spec.0.createdAt,
                                     createdAtEpoch: spec.1, size: written.size, sha256: sha,
                                     fixturePath: written.path)
            })
        } catch {
            return .failure(HarnessError("could not write the sample exports: \(error)"))
        }
    }()

    nonisolated(unsafe) private static var fixtureDirectory: String?

    private static func removeFixture() {
        if let fixtureDirectory { try? FileManager.default.removeItem(atPath: fixtureDirectory) }
    }
}

/// mkdtemp under /tmp; the path has no symlinks, so it is what /proc/mounts shows.
func makeTempDirectory(prefix: String) -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        fatalError("mkdtemp failed: \(String(cString: strerror(errno)))")
    }
    return String(cString: made)
}
