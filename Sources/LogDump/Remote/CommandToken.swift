/// The token a command prints (--token-command): a vault client, a cloud CLI, a script
/// that logs in. Run by `/bin/sh -c` at start and after a 401, one run at a time however
/// many reads were refused; its trimmed standard output is the token. Errors name the
/// command, its exit status and the first line of its standard error, never its output.
public final class CommandToken: TokenSource {
    public let command: String
    private let timeLimit: Duration
    private let token: SingleFlight<String>

    /// Runs the command once; its failure is an error naming it.
    public init(command: String, timeLimit: Duration = .seconds(30)) throws(RemoteError) {
        self.command = command
        self.timeLimit = timeLimit
        token = SingleFlight(try Self.run(command, timeLimit: timeLimit))
    }

    public func currentToken() throws(RemoteError) -> String { token.current }

    public func renewed(after rejected: String) throws(RemoteError) -> String {
        try token.refresh(when: { $0 == rejected }) { _ throws(RemoteError) in
            let new = try Self.run(command, timeLimit: timeLimit)
            Log.info("token command \(command.quotedForLog()) gave a new token")
            return new
        }
    }

    private static func run(_ command: String, timeLimit: Duration) throws(RemoteError) -> String {
        let name = "token command \(command.quotedForLog())"
        let outcome: ChildProcess.Outcome
        switch ChildProcess.run(shell: command, timeLimit: timeLimit) {
        case .success(let ran): outcome = ran
        case .failure(let error): throw .tokenUnavailable("\(name) could not be started: \(error)")
        }
        switch outcome.ending {
        case .exited(0): break
        case .exited(let status): throw .tokenUnavailable("\(name) exited with status \(status)\(firstLine(outcome.errors))")
        case .signalled(let signal): throw .tokenUnavailable("\(name) was killed by signal \(signal)\(firstLine(outcome.errors))")
        case .timedOut: throw .tokenUnavailable("\(name) did not finish within \(timeLimit), so it was killed")
        }
        guard !outcome.outputCut else { throw .tokenUnavailable("\(name) printed more than 64 KiB: not a token") }
        switch TokenText.clean(outcome.output) {
        case .success(let token): return token
        case .failure(let problem): throw .tokenUnavailable("\(name) succeeded, but its output \(problem)")
        }
    }

    /// ": <the first non-empty line of standard error>", or nothing.
    private static func firstLine(_ errors: [UInt8]) -> String {
        let text = String(decoding: errors, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            return ""
        }
        return ": " + line.drop(while: \.isWhitespace).escapedForLog(limit: 300)
    }
}
