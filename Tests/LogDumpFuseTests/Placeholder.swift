import XCTest

final class LogDumpFuseTestsPlaceholder: XCTestCase {
    func testNothing() {}
}
