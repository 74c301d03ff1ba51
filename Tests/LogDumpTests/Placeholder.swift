import XCTest

final class LogDumpTestsPlaceholder: XCTestCase {
    func testNothing() {}
}
