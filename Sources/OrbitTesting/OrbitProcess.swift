import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A real `orbit` process started by a test, with its output captured to files.
public final class OrbitProcess: @unchecked Sendable {
  // @unchecked: a test drives each process from one task; Process itself is thread-safe to query.
  public let process = Process()
  public let stdoutPath: String
  public let stderrPath: String

  /// The built `orbit` executable, beside the test bundle in the build folder.
  public static var binary: String {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = here.deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("orbit").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    // Fall back to the package's default debug build.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/orbit").path
  }

  /// Starts `orbit ARGUMENTS` in `directory`, with this process's environment plus
  /// `environment` and without the variables named in `unsetting`.
  /// - Parameter host: run it inside that network namespace (`ip netns exec`), as on another
  ///   machine.
  public init(
    _ arguments: [String], in directory: String, environment: [String: String] = [:],
    unsetting: [String] = [], name: String = "orbit", host: NetworkLab.Host? = nil
  )
    throws
  {
    stdoutPath = "\(directory)/\(name).\(UUID().uuidString.prefix(8)).out"
    stderrPath = stdoutPath.replacingOccurrences(of: ".out", with: ".err")
    FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    FileManager.default.createFile(atPath: stderrPath, contents: nil)
    if let host {
      // `ip netns exec` execs the program in place: the pid is orbit's own.
      process.executableURL = URL(fileURLWithPath: NetworkLab.ip)
      process.arguments = ["netns", "exec", host.namespace, Self.binary] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: Self.binary)
      process.arguments = arguments
    }
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    for key in unsetting { env[key] = nil }
    process.environment = env
    process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
    process.standardError = FileHandle(forWritingAtPath: stderrPath)
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  public var pid: Int32 { process.processIdentifier }
  public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
  public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

  /// Waits for the exit code; kills the process and returns nil past `timeout` seconds.
  public func wait(timeout: Double) -> Int32? {
    let end = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < end { usleep(20_000) }
    if process.isRunning {
      kill(pid, SIGKILL)
      process.waitUntilExit()
      return nil
    }
    return process.terminationStatus
  }

  public func signal(_ signal: Int32) { kill(pid, signal) }

  /// The `tcp://127.0.0.1:PORT` a coordinator printed once bound (waits up to `timeout`
  /// seconds), or nil.
  public func printedEndpoint(timeout: Double = 20) -> String? {
    var found: String?
    _ = Self.eventually(timeout: timeout) {
      found = stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).first {
        $0.hasPrefix("tcp://127.0.0.1:")
      }.map(String.init)
      return found != nil
    }
    return found
  }

  /// The exit code if the process has ended, else nil; never waits, never kills.
  public var exitCodeIfEnded: Int32? { process.isRunning ? nil : process.terminationStatus }

  /// Waits until `condition` holds (polled), up to `timeout` seconds.
  public static func eventually(timeout: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
      if condition() { return true }
      usleep(50_000)
    }
    return condition()
  }

  /// Runs `orbit ARGUMENTS` to completion and returns (exit code, stdout, stderr).
  public static func run(
    _ arguments: [String], in directory: String, timeout: Double = 120,
    environment: [String: String] = [:]
  )
    throws -> (code: Int32?, stdout: String, stderr: String)
  {
    let p = try OrbitProcess(arguments, in: directory, environment: environment)
    let code = p.wait(timeout: timeout)
    return (code, p.stdout, p.stderr)
  }
}

/// A scratch folder for one test, and the leak check on processes started inside it.
public struct Sandbox {
  public let path: String

  public init(_ name: String = #function) throws {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    path =
      FileManager.default.temporaryDirectory.appendingPathComponent(
        "orbit-it-\(safe)-\(UUID().uuidString.prefix(8))"
      ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  public func write(_ file: String, _ text: String) throws {
    try text.write(toFile: "\(path)/\(file)", atomically: true, encoding: .utf8)
  }

  public func read(_ file: String) -> String? {
    try? String(contentsOfFile: "\(path)/\(file)", encoding: .utf8)
  }

  /// Processes whose command line or working directory mentions this sandbox: must be none
  /// once a test ends.
  public func livingProcesses() -> [Int32] {
    let me = getpid()
    var found: [Int32] = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
      guard let pid = Int32(entry), pid != me else { continue }
      let cmdline =
        (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))).map {
          String(decoding: $0, as: UTF8.self)
        } ?? ""
      let cwd =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd")) ?? ""
      let stat = (try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8)) ?? ""
      let zombie = stat.split(separator: ")").last?.split(separator: " ").first == "Z"
      if !zombie && (cmdline.contains(path) || cwd.hasPrefix(path)) { found.append(pid) }
    }
    return found
  }

  /// True if `pid` is alive (and not a zombie).
  public static func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
      return false
    }
    return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
  }
}
