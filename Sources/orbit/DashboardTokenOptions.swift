import ArgumentParser
import Foundation
import OrbitSession

/// `--http-token`, `--http-token-file` and `ORBIT_HTTP_TOKEN`: the dashboard's token, shared by
/// every command that serves it.
struct DashboardTokenOptions: ParsableArguments {
  @Option(
    help:
      "A token every dashboard request must carry (?token= or Authorization: Bearer). Off loopback one is generated when not given."
  )
  var httpToken: String?

  @Option(
    help:
      "A file holding the dashboard's token (first line), or set ORBIT_HTTP_TOKEN: unlike --http-token, other users of the machine cannot read it in the process list."
  )
  var httpTokenFile: String?

  /// The token from `--http-token-file`, `ORBIT_HTTP_TOKEN` or `--http-token`, in that order.
  func token() throws(SessionError) -> String? {
    if let httpTokenFile {
      guard let text = try? String(contentsOfFile: httpTokenFile, encoding: .utf8) else {
        throw SessionError(
          "--http-token-file \(httpTokenFile): cannot read it", exitCode: ExitStatus.noInput)
      }
      return text.split(separator: "\n").first.map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    }
    if let fromEnvironment = ProcessInfo.processInfo.environment["ORBIT_HTTP_TOKEN"],
      !fromEnvironment.isEmpty
    {
      return fromEnvironment
    }
    if httpToken != nil {
      // Every user of the machine can read a process's arguments in /proc (issue 25).
      warn(
        "--http-token is visible to every user of this machine in the process list; use ORBIT_HTTP_TOKEN or --http-token-file"
      )
    }
    return httpToken
  }

  func validate() throws {
    if let httpToken, httpToken.count < 8 {
      // An empty token admitted `?token=`: a token too short to guess is none at all.
      throw ValidationError(
        "--http-token must be at least 8 characters (got \(httpToken.count)); leave it out off loopback and one is generated"
      )
    }
  }

}
