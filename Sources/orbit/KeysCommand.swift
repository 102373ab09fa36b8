import ArgumentParser
import Foundation
import OrbitSession
import ZeroMQ

/// `orbit keys NAME`: a CurveZMQ keypair for a coordinator or a worker.
struct KeysCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys", abstract: "Generate a CurveZMQ keypair (NAME.key, secret, and NAME.pub).",
    discussion: """
      Secure a sweep across machines:
        orbit keys coordinator && orbit keys node1        (then copy node1.pub to the login node)
        orbit coordinator spec.yaml --bind tcp://0.0.0.0:5555 --curve-key coordinator.key --allow-keys node1.pub
        orbit worker --connect tcp://login:5555 --curve-key node1.key --server-key coordinator.pub
      --allow-keys also takes a folder of .pub files.
      """)

  @Argument(help: "Base name of the files to write.")
  var name: String

  @Option(help: "Folder to write them in.")
  var dir: String = "."

  func run() throws {
    let pair: ZMQCurveKeypair
    do { pair = try ZMQCurveKeypair.generate() } catch {
      throw fail("this libzmq cannot make CURVE keys: \(error)", ExitStatus.unavailable)
    }
    let secretPath = "\(dir)/\(name).key"
    let publicPath = "\(dir)/\(name).pub"
    for path in [secretPath, publicPath] where FileManager.default.fileExists(atPath: path) {
      throw fail("\(path) exists; remove it first (a key is never overwritten)", ExitStatus.usage)
    }
    // The secret is born with mode 0600 (O_CREAT | O_EXCL: never a moment readable by others,
    // never over an existing file or through a planted symlink).
    try Self.create(
      secretPath, "public: \(pair.publicKey)\nsecret: \(pair.secretKey)\n", mode: 0o600)
    try Self.create(publicPath, "public: \(pair.publicKey)\n", mode: 0o644)
    print("wrote \(secretPath) (secret: keep it on this machine) and \(publicPath) (share it)")
  }

  static func create(_ path: String, _ text: String, mode: mode_t) throws(ExitCode) {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
    guard fd >= 0 else {
      throw fail("cannot create \(path): \(String(cString: strerror(errno)))", ExitStatus.ioError)
    }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count, fsync(fd) == 0 else {
      throw fail("cannot write \(path): \(String(cString: strerror(errno)))", ExitStatus.ioError)
    }
  }
}

/// Reading key files written by `orbit keys`.
enum CurveKeyFiles {
  /// The keypair in a `.key` file.
  static func keypair(_ path: String) throws(ExitCode) -> ZMQCurveKeypair {
    let fields = try read(path)
    guard let secret = fields["secret"], let derived = ZMQCurveKeypair.publicKey(ofSecret: secret)
    else {
      throw fail("\(path) holds no secret key; make one with: orbit keys NAME", ExitStatus.badData)
    }
    return ZMQCurveKeypair(publicKey: derived, secretKey: secret)
  }

  /// A public key: a `.pub` or `.key` file, or the 40-character Z85 key itself.
  static func publicKey(_ pathOrKey: String) throws(ExitCode) -> String {
    if ZMQCurveKeypair.isZ85Key(pathOrKey) && !FileManager.default.fileExists(atPath: pathOrKey) {
      return pathOrKey
    }
    guard let key = try read(pathOrKey)["public"], ZMQCurveKeypair.isZ85Key(key) else {
      throw fail(
        "\(pathOrKey) holds no public key; make one with: orbit keys NAME", ExitStatus.badData)
    }
    return key
  }

  /// The public keys of a `.pub` file, or of every `.pub` file in a folder.
  /// The keys of a .pub file or a folder of them, each with its name (the file's base name):
  /// what logs, status and the journal call a worker holding it.
  static func allowList(_ path: String) throws(ExitCode) -> [String: String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw fail("\(path) does not exist: pass a .pub file or a folder of them", ExitStatus.noInput)
    }
    func name(_ file: String) -> String {
      URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }
    if !isDirectory.boolValue { return [try publicKey(path): name(path)] }
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter {
      $0.hasSuffix(".pub")
    }
    var keys: [String: String] = [:]
    for file in files.sorted() { keys[try publicKey("\(path)/\(file)")] = name(file) }
    if keys.isEmpty {
      throw fail("\(path) holds no .pub files: no worker could join", ExitStatus.badData)
    }
    return keys
  }

  private static func read(_ path: String) throws(ExitCode) -> [String: String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw fail("cannot read the key file \(path)", ExitStatus.noInput)
    }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      if parts.count == 2 { fields[parts[0]] = parts[1] }
    }
    return fields
  }
}
