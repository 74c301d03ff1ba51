import LogDumpEmulator
import XCTest

/// Tests against an emulator with one IAM account (`user`; a subclass may name another),
/// started before each test and closed after it, also after a failure.
class EmulatorIAMTestCase: XCTestCase {
    class var user: IAMUser { IAMUser(name: "logreader", domain: "acme", password: "s3cret pw") }
    var fixture: EmulatorFixture!
    var emulator: Emulator { fixture.emulator }

    override func setUpWithError() throws {
        try super.setUpWithError()
        let user = Self.user
        fixture = try EmulatorFixture(largePayloadBytes: 0) { $0.iamUser = user }
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
        try super.tearDownWithError()
    }
}
