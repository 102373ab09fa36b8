import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// `orbit coordinator --slurm-workers` with stand-ins for sbatch, squeue and scancel (given by
  /// ORBIT_SBATCH/SQUEUE/SCANCEL) that run each job's script at once in the background: the
  /// pool's real I/O and real workers, without a cluster (deploy/slurm/test has the real one).
  @Suite("The Slurm worker pool, with stand-in Slurm commands", .serialized)
  struct SlurmPoolTests {
    static let trial = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      time.sleep(0.3)
      print(json.dumps({"loss": int(args["x"])}))
      """
    /// A job is a background `sh SCRIPT` with SLURM_JOB_ID set; its pid file is its queue entry.
    static let sbatch = """
      #!/bin/sh
      dir=$(dirname "$0")/jobs; mkdir -p "$dir"
      out=/dev/null
      for a in "$@"; do case $a in --output=*) out=${a#--output=} ;; --refuse) echo "sbatch: error: invalid partition specified: nope" >&2; exit 1 ;; esac; done
      eval "script=\\${$#}"
      n=$(($(cat "$dir/next" 2>/dev/null || echo 700) + 1)); echo "$n" >"$dir/next"
      out=$(echo "$out" | sed "s/%j/$n/")
      SLURM_JOB_ID=$n SLURM_CPUS_ON_NODE=2 setsid sh "$script" >>"$out" 2>&1 </dev/null &
      echo $! >"$dir/$n.pid"
      echo "$n"
      """
    static let squeue = """
      #!/bin/sh
      for f in "$(dirname "$0")"/jobs/*.pid; do
        [ -e "$f" ] || continue
        kill -0 "$(cat "$f")" 2>/dev/null && echo "$(basename "$f" .pid) RUNNING"
      done
      exit 0
      """
    static let scancel = """
      #!/bin/sh
      for id in "$@"; do f=$(dirname "$0")/jobs/$id.pid; [ -e "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
      exit 0
      """

    func prepare(_ sandbox: Sandbox, trials: Int) throws -> [String: String] {
      try sandbox.write("trial.py", Self.trial)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: \(trials)}\n")
      var environment: [String: String] = [:]
      for (name, text) in [
        ("sbatch", Self.sbatch), ("squeue", Self.squeue), ("scancel", Self.scancel),
      ] {
        try sandbox.write(name, text)
        chmod("\(sandbox.path)/\(name)", 0o755)
        environment["ORBIT_\(name.uppercased())"] = "\(sandbox.path)/\(name)"
      }
      return environment
    }

    @Test(.timeLimit(.minutes(2)))
    func aCoordinatorWithNoWorkersFinishesOnTheJobsItSubmits() throws {
      let sandbox = try Sandbox()
      let environment = try prepare(sandbox, trials: 12)
      let coordinator = try OrbitProcess(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run",
          "--slurm-workers", "2", "--slurm-worker-flags", "--allow-command",
        ], in: sandbox.path, environment: environment, name: "coordinator")
      let code = coordinator.wait(timeout: 90)
      #expect(code == 0, "coordinator: \(coordinator.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      let trials = try journal.trials()
      #expect(trials.count == 12)
      let jobs = try journal.workerJobs()
      #expect(jobs.map(\.jobID) == ["701", "702"])
      #expect(jobs.allSatisfy { $0.state == "ended" && $0.connectedAt != nil })
      // Every trial ran on a worker named after a recorded job.
      let names = Set(jobs.map { "slurm-\($0.jobID)" })
      #expect(trials.allSatisfy { names.contains($0.worker) })
      #expect(
        FileManager.default.fileExists(atPath: "\(sandbox.path)/run/slurm/orbit-pool-worker.sbatch")
      )
      let status = try OrbitProcess.run(["status", "run"], in: sandbox.path)
      #expect(status.stdout.contains("slurm     2 worker jobs submitted: 2 ended"))
      // The workers left with the sweep: nothing of the test is left running.
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(2)))
    func overCurveZMQTheJobsAuthenticateWithTheWorkerKey() throws {
      let sandbox = try Sandbox()
      let environment = try prepare(sandbox, trials: 6)
      #expect(try OrbitProcess.run(["keys", "coordinator"], in: sandbox.path).code == 0)
      #expect(try OrbitProcess.run(["keys", "node"], in: sandbox.path).code == 0)
      let coordinator = try OrbitProcess(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run",
          "--curve-key", "coordinator.key", "--allow-keys", "node.pub",
          "--slurm-workers", "1", "--slurm-worker-key", "node.key",
          "--slurm-worker-flags", "--allow-command",
        ], in: sandbox.path, environment: environment, name: "coordinator")
      #expect(coordinator.wait(timeout: 90) == 0, "coordinator: \(coordinator.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.trials().count == 6)
      // Known by its key's name first, then its job: the pool still finds the job in the id.
      let jobs = try journal.workerJobs()
      #expect(jobs.map(\.workerID) == ["node/slurm-701"])
      #expect(jobs.first?.state == "ended")
      #expect(try journal.trials().allSatisfy { $0.worker == "node/slurm-701" })
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(2)))
    func sbatchRefusingTheArgumentsIsReportedAndTheSweepGoesOn() throws {
      let sandbox = try Sandbox()
      let environment = try prepare(sandbox, trials: 6)
      let coordinator = try OrbitProcess(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run",
          "--slurm-workers", "2", "--slurm-args", "--refuse --time=5",
        ], in: sandbox.path, environment: environment, name: "coordinator")
      let endpoint = try #require(coordinator.printedEndpoint())
      #expect(
        OrbitProcess.eventually(timeout: 20) {
          coordinator.stderr.contains("invalid partition specified: nope")
        })
      #expect(coordinator.stderr.contains("check --slurm-args: --refuse --time=5"))
      #expect(coordinator.stderr.contains("the sweep goes on with the workers it has"))
      // A worker started by hand finishes the sweep.
      let worker = try OrbitProcess(
        ["worker", "--connect", endpoint, "--slots", "2", "--allow-command"], in: sandbox.path,
        name: "worker")
      #expect(coordinator.wait(timeout: 60) == 0)
      _ = worker.wait(timeout: 20)
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.trials().count == 6)
      #expect(try journal.workerJobs().isEmpty)
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    /// Another user of the shared TMPDIR plants, before the coordinator starts, a symlink to a
    /// file of ours at each name the pool's output files could predictably have — the fixed
    /// `orbit-slurm-PID-{sbatch,squeue,scancel}.out` of the pids to come (issue 25: the pool
    /// truncated the link's target) — and a FIFO at each `.err` name (the pool hung opening
    /// one). The pool's mkstemp files (random names, O_EXCL, 0600) go around them: the sweep
    /// finishes, the target is untouched, every planted entry is still there as planted, and
    /// the pool left nothing else behind. The stand-in sbatch checks what its stdout and stderr
    /// really are.
    @Test(.timeLimit(.minutes(2)))
    func plantedSymlinksAndFifosInTmpdirAreNeitherFollowedNorClobbered() throws {
      let sandbox = try Sandbox()
      var environment = try prepare(sandbox, trials: 6)
      let tmp = sandbox.path + "/tmp"
      try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
      chmod(tmp, 0o1777)  // a shared, sticky TMPDIR
      environment["TMPDIR"] = tmp
      // sbatch records what its stdout and stderr are: a regular 0600 file in TMPDIR each.
      try sandbox.write(
        "sbatch",
        Self.sbatch.replacingOccurrences(
          of: "#!/bin/sh\n",
          with: """
            #!/bin/sh
            for fd in 1 2; do echo "$(readlink /proc/$$/fd/$fd) $(stat -L -c '%a %F' /proc/$$/fd/$fd)" >>"$(dirname "$0")/fds.log"; done

            """))
      chmod("\(sandbox.path)/sbatch", 0o755)
      let victim = sandbox.path + "/victim.txt"
      try sandbox.write("victim.txt", "precious\n")
      var links: [String] = []
      var fifos: [String] = []
      func plant(pid: Int32) {
        for command in ["sbatch", "squeue", "scancel"] {
          let link = "\(tmp)/orbit-slurm-\(pid)-\(command).out"
          guard !links.contains(link) else { continue }
          #expect(symlink(victim, link) == 0)
          links.append(link)
          let fifo = "\(tmp)/orbit-slurm-\(pid)-\(command).err"
          #expect(mkfifo(fifo, 0o666) == 0)
          fifos.append(fifo)
        }
      }
      // The pids to come (pids are handed out in order, until they wrap)...
      let first = getpid()
      for pid in first..<(first + 300) { plant(pid: pid) }
      let coordinator = try OrbitProcess(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run",
          "--slurm-workers", "2", "--slurm-worker-flags", "--allow-command",
        ], in: sandbox.path, environment: environment, name: "coordinator")
      // ...and the coordinator's own, at once (well before its first sbatch) if they wrapped:
      // the old names were its pid.
      plant(pid: coordinator.pid)
      #expect(coordinator.wait(timeout: 90) == 0, "coordinator: \(coordinator.stderr.suffix(1500))")
      #expect(
        try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials().count == 6)
      #expect(sandbox.read("victim.txt") == "precious\n")
      for link in links {
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == victim)
      }
      for fifo in fifos {
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO, "\(fifo)")
      }
      // The pool's own files were in TMPDIR, regular, 0600, and are gone.
      let fds = (sandbox.read("fds.log") ?? "").split(separator: "\n")
      #expect(fds.count >= 4)
      for line in fds {
        #expect(line.hasPrefix(tmp + "/orbit-slurm-sbatch-"), "\(line)")
        #expect(
          line.hasSuffix(" 600 regular empty file") || line.hasSuffix(" 600 regular file"),
          "\(line)")
      }
      let left = try FileManager.default.contentsOfDirectory(atPath: tmp).filter {
        !$0.hasSuffix(".out") && !$0.hasSuffix(".err")
      }
      #expect(left.isEmpty, "left in TMPDIR: \(left)")
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: tmp).count == links.count + fifos.count)
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(1)))
    func noSbatchIsRefusedBeforeTheSweepStarts() throws {
      let sandbox = try Sandbox()
      var environment = try prepare(sandbox, trials: 2)
      environment["ORBIT_SBATCH"] = "\(sandbox.path)/no-such-sbatch"
      let result = try OrbitProcess.run(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run",
          "--slurm-workers", "2",
        ], in: sandbox.path, environment: environment)
      #expect(result.code == 69)
      #expect(result.stderr.contains("no-such-sbatch' not found"))
      #expect(!FileManager.default.fileExists(atPath: "\(sandbox.path)/run/journal.sqlite"))
    }
  }
}
