import XCTest

final class LogDumpCurlTestsPlaceholder: XCTestCase {
    func testNothing() {}
}
