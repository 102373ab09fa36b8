import ArgumentParser
import Foundation
import Logging
import OrbitSpec

/// `--log-level` shared by every command that logs.
struct LogOptions: ParsableArguments {
  @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
  var logLevel: String = "info"

  func validate() throws {
    if Logger.Level(rawValue: logLevel) == nil {
      throw ValidationError(
        "--log-level takes trace, debug, info, notice, warning, error or critical; got '\(logLevel)'"
      )
    }
  }

  func logger(_ label: String, file: String? = nil) -> Logger {
    let level = Logger.Level(rawValue: logLevel) ?? .info
    if let file {
      let handle = FileLogHandler.open(file)
      var logger = Logger(label: label) { label in
        EscapingLogHandler(wrapped: FileLogHandler(label: label, handle: handle))
      }
      logger.logLevel = level
      return logger
    }
    var logger = Logger(label: label) {
      EscapingLogHandler(wrapped: StreamLogHandler.standardError(label: $0))
    }
    logger.logLevel = level
    return logger
  }
}

/// Appends log lines to a file: `orbit run` keeps the terminal for its progress line.
struct FileLogHandler: LogHandler {
  let label: String
  let handle: FileHandle
  var logLevel: Logger.Level = .info
  var metadata: Logger.Metadata = [:]

  static func open(_ path: String) -> FileHandle {
    FileManager.default.createFile(atPath: path, contents: nil)
    return FileHandle(forWritingAtPath: path) ?? FileHandle.standardError
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let all = metadata.merging(event.metadata ?? [:]) { $1 }
    let meta =
      all.isEmpty
      ? ""
      : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    let time = ISO8601DateFormatter().string(from: Date())
    handle.write(Data("\(time) \(event.level) \(label): \(event.message)\(meta)\n".utf8))
  }
}

/// Writes every log line with control characters escaped (`ControlText`): a log line may quote
/// what a peer sent (its worker id, host, BYE reason), and a terminal must not run it.
struct EscapingLogHandler: LogHandler {
  var wrapped: any LogHandler

  var logLevel: Logger.Level {
    get { wrapped.logLevel }
    set { wrapped.logLevel = newValue }
  }
  var metadata: Logger.Metadata {
    get { wrapped.metadata }
    set { wrapped.metadata = newValue }
  }
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { wrapped[metadataKey: key] }
    set { wrapped[metadataKey: key] = newValue }
  }

  func log(
    level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
    file: String, function: String, line: UInt
  ) {
    wrapped.log(
      level: level, message: "\(ControlText.escaped(message.description))",
      metadata: metadata?.mapValues { .string(ControlText.escaped("\($0)")) }, source: source,
      file: file, function: function, line: line)
  }
}
