import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// The built binary's exit codes and messages for what users get wrong.
  @Suite("orbit command line", .serialized)
  struct CommandLineTests {
    @Test func badSpecExits65WithFileLineAndTheParameter() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "bad.yaml", "method: grid\nprogram: x.py\nparameters:\n  lr:\n    min: 1.0\n    max: 0.1\n")
      for command in [["plan", "bad.yaml"], ["run", "bad.yaml"]] {
        let result = try OrbitProcess.run(command, in: sandbox.path)
        #expect(result.code == 65)
        #expect(result.stderr.contains("bad.yaml:"))
        #expect(result.stderr.contains("lr"))
        #expect(!result.stderr.contains("Fatal error"))
      }
      #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/runs/bad/journal.sqlite"))
    }

    @Test func unknownKeyExits65NamingIt() throws {
      let sandbox = try Sandbox()
      try sandbox.write("typo.yaml", "method: grid\nprogram: x.py\nparamters:\n  x: {value: 1}\n")
      try sandbox.write("x.py", "")  // programs are checked at load
      let result = try OrbitProcess.run(["plan", "typo.yaml"], in: sandbox.path)
      #expect(result.code == 65)
      #expect(result.stderr.contains("paramters"))
    }

    @Test func missingSpecExits66() throws {
      let sandbox = try Sandbox()
      let result = try OrbitProcess.run(["run", "nope.yaml"], in: sandbox.path)
      #expect(result.code == 66)
      #expect(result.stderr.contains("nope.yaml"))
    }

    @Test func badCoreSettingPointsAtItsLine() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "core.yaml",
        """
        method: grid
        runner: core
        task: {kind: manifold}
        model: {kind: mlp, width: 8}
        train: {steps: 10, optimizer: adamm}
        parameters:
          seed: {value: 0}
        """)
      let result = try OrbitProcess.run(["plan", "core.yaml"], in: sandbox.path)
      #expect(result.code == 65)
      #expect(result.stderr.contains("core.yaml:5"))
      #expect(result.stderr.contains("optimizer"))
    }

    @Test func planCountsALargeGridAndListsTrialsAsJSON() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "big.yaml",
        "method: grid\nprogram: x.py\nparameters:\n  a: {min: 1, max: 1000}\n  b: {min: 1, max: 100}\n  c: {min: 1, max: 100}\n"
      )
      let result = try OrbitProcess.run(["plan", "big.yaml"], in: sandbox.path)
      #expect(result.code == 0)
      #expect(result.stdout.contains("10000000 trials"))
      try sandbox.write(
        "small.yaml",
        "method: grid\nprogram: x.py\nparameters:\n  a: {values: [1, 2]}\n  b: {values: [x, y]}\n")
      let json = try OrbitProcess.run(["plan", "small.yaml", "--json"], in: sandbox.path)
      let lines = json.stdout.split(separator: "\n")
      #expect(lines.count == 4)
      #expect(lines[0].contains(#""params":{"a":1,"b":"x"}"#))
      #expect(lines[1].contains(#""params":{"a":1,"b":"y"}"#))
    }

    @Test func aMissingProgramIsNamedAtLoadWith66() throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: trian.py\nparameters:\n  a: {value: 1}\n")
      let run = try OrbitProcess.run(["run", "s.yaml", "--no-http"], in: sandbox.path, timeout: 30)
      #expect(run.code == 66)
      #expect(run.stderr.contains("program 'trian.py' not found"), "\(run.stderr)")
      #expect(!FileManager.default.fileExists(atPath: sandbox.path + "/runs"))
    }

    @Test(arguments: [
      ["plan", "s.yaml", "--limit=-1"],
      ["worker", "--connect", "tcp://127.0.0.1:5555", "--lifetime=99999999999999999d"],
      ["worker", "--connect", "tcp://127.0.0.1:5555", "--give-up=nan"],
      ["worker", "--connect", "tcp://127.0.0.1:99999"],
      ["coordinator", "s.yaml", "--bind", "tcp://127.0.0.1:99999"],
      ["coordinator", "s.yaml", "--bind", "tcp://127.0.0.1:-1"],
      ["coordinator", "s.yaml", "--stop-grace", "nan"],
      ["coordinator", "s.yaml", "--stop-grace=-1"],
      ["coordinator", "s.yaml", "--stop-grace", "1e308"],
      ["run", "s.yaml", "--workers", "100000"],
      ["run", "s.yaml", "--http-token", ""],
      ["run", "s.yaml", "--http", "nonsense"],
      ["coordinator", "s.yaml", "--http", "127.0.0.1:70000"],
      ["trial", "s.yaml", "--index=-3"],
    ])
    func everyNumericOptionIsCheckedBeforeAnythingStarts(arguments: [String]) throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n")
      try sandbox.write("x.py", "")
      let result = try OrbitProcess.run(arguments, in: sandbox.path, timeout: 30)
      #expect(result.code == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.lowercased().contains("error:"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: sandbox.path + "/runs"))
    }

    @Test func aDashboardPortTakenLeavesTheSweepStoppedNotRunning() throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n")
      try sandbox.write("x.py", "")
      // Hold a port so the dashboard cannot bind it.
      let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      defer { close(holder) }
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(holder, $0, length) == 0 && listen(holder, 1) == 0
            && getsockname(holder, $0, &length) == 0
        }
      }
      try #require(bound)
      let port = UInt16(bigEndian: address.sin_port)
      let result = try OrbitProcess.run(
        ["run", "s.yaml", "--http", "127.0.0.1:\(port)"], in: sandbox.path, timeout: 30)
      #expect(result.code == 69, "\(result.stderr)")
      #expect(result.stderr.contains("cannot serve the dashboard"), "\(result.stderr)")
      let journal = try Journal(path: sandbox.path + "/runs/s/journal.sqlite", readOnly: true)
      #expect(try journal.latestSweep()?.state == "stopped")
    }

    @Test func coordinatorThatCannotBindExits69() throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n")
      try sandbox.write("x.py", "")  // programs are checked at load
      let result = try OrbitProcess.run(
        ["coordinator", "s.yaml", "--bind", "tcp://203.0.113.1:1", "--insecure"], in: sandbox.path,
        timeout: 30)
      #expect(result.code == 69)
      #expect(result.stderr.contains("cannot bind"))
    }

    @Test func plainTCPOffLoopbackIsRefusedUnlessInsecure() throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n")
      try sandbox.write("x.py", "")  // programs are checked at load
      let coordinator = try OrbitProcess.run(
        ["coordinator", "s.yaml", "--bind", "tcp://0.0.0.0:0"], in: sandbox.path, timeout: 30)
      #expect(coordinator.code == 64)
      #expect(coordinator.stderr.contains("refusing to bind tcp://0.0.0.0:0 with plain TCP"))
      #expect(coordinator.stderr.contains("--curve-key"))
      let worker = try OrbitProcess.run(
        ["worker", "--connect", "tcp://192.0.2.1:5555", "--allow-command"], in: sandbox.path,
        timeout: 30)
      #expect(worker.code == 64)
      #expect(worker.stderr.contains("refusing to run commands for tcp://192.0.2.1:5555"))
      #expect(!FileManager.default.fileExists(atPath: sandbox.path + "/runs"))
    }

    @Test func workerWithoutAllowCommandIsRefusedACommandSweep() throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n")
      try sandbox.write("x.py", "")  // programs are checked at load
      let coordinator = try OrbitProcess(
        ["coordinator", "s.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path
      )
      defer {
        coordinator.signal(SIGKILL)
        _ = coordinator.wait(timeout: 5)
      }
      let endpoint = coordinator.printedEndpoint()
      #expect(endpoint != nil)
      let worker = try OrbitProcess.run(
        ["worker", "--connect", try #require(endpoint)], in: sandbox.path, timeout: 30)
      #expect(worker.code == 69)
      #expect(worker.stderr.contains("--allow-command"))
    }

    @Test func orbitReexecsWithOneOpenBLASThreadUnderItsOwnName() throws {
      let sandbox = try Sandbox()
      try sandbox.write("s.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\n")
      try sandbox.write("x.py", "")  // programs are checked at load
      let coordinator = try OrbitProcess(
        ["coordinator", "s.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, unsetting: ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
      defer {
        coordinator.signal(SIGKILL)
        _ = coordinator.wait(timeout: 5)
      }
      #expect(
        OrbitProcess.eventually(timeout: 20) { coordinator.stdout.contains("tcp://127.0.0.1:") })
      // The same pid after the re-exec, named after the binary (what `ps`, `top` and `pkill orbit`
      // see), with OpenBLAS's pool pinned to one thread.
      let name = try String(contentsOfFile: "/proc/\(coordinator.pid)/comm", encoding: .utf8)
      #expect(name.trimmingCharacters(in: .whitespacesAndNewlines) == "orbit")
      let environment = try Data(
        contentsOf: URL(fileURLWithPath: "/proc/\(coordinator.pid)/environ")
      )
      .split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      #expect(environment.contains("OPENBLAS_NUM_THREADS=1"))
      #expect(environment.contains("ORBIT_OPENBLAS_REEXEC=1"))
    }

    @Test func statusAndExportReadAFinishedRun() throws {
      let sandbox = try Sandbox()
      try sandbox.write("ok.py", "import json\nprint(json.dumps({'loss': 0.5, 'note': 'a,b'}))\n")
      try sandbox.write(
        "s.yaml", "method: grid\nprogram: ok.py\nparameters:\n  a: {values: [1, 2, 3]}\n")
      #expect(
        try OrbitProcess.run(
          ["run", "s.yaml", "--run-dir", "run", "--no-report"], in: sandbox.path
        )
        .code == 0)
      let status = try OrbitProcess.run(["status", "run"], in: sandbox.path)
      #expect(status.code == 0)
      #expect(status.stdout.contains("3 of 3 recorded"))
      let export = try OrbitProcess.run(["export", "run", "--csv", "out.csv"], in: sandbox.path)
      #expect(export.code == 0)
      let csv = try #require(sandbox.read("out.csv"))
      let lines = csv.split(separator: "\n")
      #expect(lines.count == 4)
      #expect(
        lines[0].hasPrefix(
          "trial_id,index,status,attempt,worker,wall_seconds,exit_code,trial_dir,a,loss,note"))
      #expect(lines[1].contains(#","a,b""#))
      let missing = try OrbitProcess.run(["status", "nowhere"], in: sandbox.path)
      #expect(missing.code == 66)
    }

    @Test(.timeLimit(.minutes(1)))
    func hostileSpecsAreRefusedWith65BeforeAnythingStarts() throws {
      let sandbox = try Sandbox()
      // A "billion laughs": 9 levels of 9 aliases, 441 bytes that expand to 9^9 nodes.
      var bomb = "method: grid\nprogram: x.py\nparameters:\n  a: {value: 1}\nx0: &a0 [lol]\n"
      for level in 1...9 {
        let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
        bomb += "x\(level): &a\(level) [\(refs)]\n"
      }
      try sandbox.write("bomb.yaml", bomb)
      let started = Date()
      let exploded = try OrbitProcess.run(
        ["run", "bomb.yaml", "--run-dir", "run"], in: sandbox.path, timeout: 30)
      #expect(exploded.code == 65)
      #expect(exploded.stderr.contains("bomb.yaml:"))
      #expect(exploded.stderr.contains("billion laughs"))
      #expect(Date().timeIntervalSince(started) < 20)
      // A spec too large for the WELCOME a worker receives it in.
      let values = (0..<700_000).map(String.init).joined(separator: ", ")
      try sandbox.write(
        "huge.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {values: [\(values)]}\n")
      let huge = try OrbitProcess.run(
        ["coordinator", "huge.yaml", "--run-dir", "run2"], in: sandbox.path, timeout: 60)
      #expect(huge.code == 65)
      #expect(huge.stderr.contains("a spec must fit"))
      // A grid over --max-trials.
      try sandbox.write(
        "big.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {min: 1, max: 1000}\n")
      let big = try OrbitProcess.run(
        ["run", "big.yaml", "--run-dir", "run3", "--max-trials", "999"], in: sandbox.path)
      #expect(big.code == 65)
      #expect(big.stderr.contains("over --max-trials 999"))
      #expect(!FileManager.default.fileExists(atPath: sandbox.path + "/run3"))
    }
  }
}
